// Runs the echo example under an in-process emulator, 4 callers at once, and prints the emulator's heap
// (after a full GC) before and after; run with --v8-flags=--expose-gc by emulator_heap_test.ts.
import { startEmulator } from "../../local/mod.ts";

const [total = "50000", callers = "4"] = Deno.args;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc!();
  return Deno.memoryUsage().heapUsed;
}

await using emulator = await startEmulator({
  command: [
    Deno.execPath(),
    "run",
    "--no-prompt",
    "--allow-env",
    "--allow-net=127.0.0.1",
    new URL("../../examples/echo/main.ts", import.meta.url).pathname,
  ],
  port: 0,
  output: () => {},
});

async function run(count: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Number(callers) }, async () => {
    while (next < count) {
      next++;
      const response = await emulator.invoke('{"ping":1}');
      if (
        response.status !== 200 || response.headers.has("x-amz-function-error")
      ) {
        throw new Error(
          `invocation failed: ${response.status} ${await response.text()}`,
        );
      }
      await response.body?.cancel();
    }
  }));
}

// Warm up first: the first invocations compile code and fill pools the baseline should already hold.
await run(2_000);
const before = heapAfterGc();
const started = performance.now();
await run(Number(total));
const seconds = (performance.now() - started) / 1000;
const after = heapAfterGc();
console.log(JSON.stringify({
  before,
  after,
  seconds,
  rss: Deno.memoryUsage().rss,
}));
