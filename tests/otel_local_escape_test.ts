// With OTel on, the function's sandbox gets exactly one more of the emulator's ports: its OTLP receiver. The invoke
// API stays refused, and an endpoint the function names itself (another listener's port) grants nothing.
import assert from "node:assert/strict";
import { emulate } from "./_emulator.ts";
import { escapeEntry as entry, tryAll } from "./_escape.ts";
import { permissionFlags } from "../scripts/build.ts";

const allLoopback = permissionFlags([
  "--allow-net=127.0.0.1,localhost,0.0.0.0",
]);

/** The invoke API under each name a function would try. */
function invokeUrls(url: string): string[] {
  const port = new URL(url).port;
  return ["127.0.0.1", "localhost", "0.0.0.0"].map((host) =>
    `http://${host}:${port}/2015-03-31/functions/function/invocations`
  );
}

Deno.test("a function with OTel on reaches its OTLP receiver and still none of the emulator's other ports", async () => {
  await using emulator = await emulate(entry, {
    permissions: allLoopback,
    env: { OTEL_DENO: "true" },
  });
  const otlp = `${emulator.otlpUrl}/`;
  const urls = [otlp, ...invokeUrls(emulator.url)];
  const outcomes = await tryAll(emulator.url, urls);
  assert.equal(outcomes[otlp], "200", `${otlp}: ${outcomes[otlp]}`);
  for (const url of invokeUrls(emulator.url)) {
    assert.equal(outcomes[url], "NotCapable", `${url}: ${outcomes[url]}`);
  }
});

Deno.test("an OTEL_EXPORTER_OTLP_ENDPOINT naming another listener's port does not open it to the function", async () => {
  await using other = await emulate(entry, {
    env: { OTEL_DENO: "true" },
  });
  await using emulator = await emulate(entry, {
    permissions: allLoopback,
    env: { OTEL_DENO: "true", OTEL_EXPORTER_OTLP_ENDPOINT: other.url },
  });
  // The function's own endpoint: no receiver of this emulator's is started.
  assert.equal(emulator.otlpUrl, undefined);
  const urls = invokeUrls(other.url);
  const outcomes = await tryAll(emulator.url, urls);
  for (const url of urls) {
    assert.equal(outcomes[url], "NotCapable", `${url}: ${outcomes[url]}`);
  }
});
