// The emulator under load: 50 000 invocations from 4 callers at once leave its heap within 20 MB of where
// it started (each invocation's memory peak is read at most once in flight per process, and nothing
// about an invocation is kept once it is reported). Run by `deno task test:measure`, not `deno task test`.
import assert from "node:assert/strict";

const INVOCATIONS = 50_000;
const LIMIT_BYTES = 20 * 1024 * 1024;

Deno.test(`${INVOCATIONS} invocations at 4 callers leave the emulator's heap within 20 MB`, async () => {
  // A child of its own: a full GC before each reading needs --expose-gc, which `deno test` is not given.
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=test",
      "--no-prompt",
      "--v8-flags=--expose-gc",
      new URL("_emulator_heap_run.ts", import.meta.url).pathname,
      String(INVOCATIONS),
      "4",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout).trim();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const { before, after, seconds, rss } = JSON.parse(text.split("\n").at(-1)!);
  const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
  console.log(
    `heap ${mb(before)} → ${mb(after)} MB after ${INVOCATIONS} invocations in ${
      seconds.toFixed(1)
    } s (RSS ${mb(rss)} MB)`,
  );
  assert.ok(
    after - before < LIMIT_BYTES,
    `the heap grew by ${mb(after - before)} MB`,
  );
});
