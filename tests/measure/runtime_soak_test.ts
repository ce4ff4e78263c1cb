// A bounded soak: 10 000 invocations through the runtime against a Runtime API that cuts, stalls and refuses
// late replies on a schedule. Run by `deno task test:measure`, not `deno task test`.
import assert from "node:assert/strict";
import { runLoop } from "../../src/runtime.ts";
import { environment, memoryLogger } from "../_fake_runtime_api.ts";
import { faultyRuntimeApi, type NextFault } from "../_faulty_runtime_api.ts";

const COUNT = 10_000;

// Every 97th /next is cut mid-body, every 89th stalls 2 ms; every 101st invocation's reply is "too late".
function nextFault(n: number): NextFault {
  if (n % 97 === 96) return "cut";
  if (n % 89 === 88) return { stall: 2 };
  return "answer";
}

Deno.test("10 000 invocations with faults interleaved: none lost, none answered twice", async () => {
  const ids = Array.from({ length: COUNT }, (_, i) => `soak-${i}`);
  const late = new Set(ids.filter((_, i) => i % 101 === 100));
  await using api = faultyRuntimeApi(ids, {
    next: nextFault,
    response: (id) => late.has(id) ? 410 : 202,
  });
  const stop = new AbortController();
  const logger = memoryLogger();
  const started = performance.now();
  const loop = runLoop((event: { id: string }) => ({ echo: event.id }), {
    environment: { ...environment, runtimeApi: api.authority },
    logger,
    signal: stop.signal,
    // Retries at once: the soak counts outcomes, not the pauses between them.
    nextRetryDelays: [0, 0, 0],
  });
  await Promise.race([api.drained, loop]);
  stop.abort();
  await loop;
  const elapsed = performance.now() - started;

  assert.equal(api.pending.length, 0, "invocations left unanswered");
  assert.equal(api.answers.size, COUNT, "invocations never answered");
  const twice = [...api.answers].filter(([, count]) => count !== 1);
  assert.deepEqual(twice, [], "invocations answered more than once");
  const cuts = logger.lines.filter((line) => /next failed/.test(line)).length;
  const gone = logger.lines.filter((line) => /410 Gone/.test(line)).length;
  assert.equal(gone, late.size);
  assert.ok(cuts > 0, "no /next was cut: the fault schedule did not run");
  console.log(
    `${COUNT} invocations, ${cuts} cut /next bodies retried, ${gone} late replies refused, in ${
      elapsed.toFixed(0)
    } ms`,
  );
});
