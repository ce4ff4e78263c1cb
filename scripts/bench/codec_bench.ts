// The event parse and the result serialisation of the default loop, for each payload size.
import {
  decodeJson,
  type Invocation,
  respondJson,
  type RuntimeApi,
} from "../../src/runtime.ts";
import { buildEvent } from "./payloads.ts";

const sizes = {
  "100B": 100,
  "256KB": 256 * 1024,
  "1MB": 1024 * 1024,
  "5.5MB": 5.5 * 1024 * 1024,
};
const discard: RuntimeApi = {
  next: () => Promise.reject(new Error("not used")),
  respond: () => Promise.resolve(),
  fail: () => Promise.resolve(),
  failInit: () => Promise.resolve(),
};

for (const [label, bytes] of Object.entries(sizes)) {
  const raw = buildEvent(bytes);
  const body = new TextDecoder().decode(raw);
  const invocation: Invocation = {
    requestId: "1",
    deadlineMs: Date.now() + 60_000,
    invocationId: undefined,
    headers: new Headers(),
    body,
  };
  const event = decodeJson(invocation);

  Deno.bench(`decode bytes as UTF-8 text, ${label}`, { group: label }, () => {
    new TextDecoder().decode(raw);
  });

  Deno.bench(`decodeJson (event parse), ${label}`, {
    group: label,
    baseline: true,
  }, () => {
    decodeJson(invocation);
  });

  Deno.bench(
    `respondJson (result serialisation), ${label}`,
    { group: label },
    async () => {
      await respondJson(event, invocation, discard);
    },
  );
}
