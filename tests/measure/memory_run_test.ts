// A measurement-like run: 500 events of 1 MB through the emulator at 128 MB, with the heap sized as
// the portable bootstrap sizes it. Run by `deno task test:measure`, not `deno task test`.
import assert from "node:assert/strict";
import { heapScript } from "../../local/src/heap.ts";
import { startEmulator } from "../../local/mod.ts";

const FUNCTION = new URL("../fixtures/memory_function.ts", import.meta.url)
  .pathname;

function event(bytes: number): string {
  const alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  // getRandomValues gives at most 64 KiB a call.
  const random = new Uint8Array(bytes);
  for (let at = 0; at < bytes; at += 65536) {
    crypto.getRandomValues(random.subarray(at, at + 65536));
  }
  const chars = Array.from(random, (byte) => alphabet[byte & 63]);
  return JSON.stringify({ echo: true, data: chars.join("") });
}

function maxMemoryUsed(lines: string[]): number[] {
  return lines.flatMap((line) => {
    const match = /^REPORT .*\tMax Memory Used: (\d+) MB/.exec(line);
    return match === null ? [] : [Number(match[1])];
  });
}

Deno.test("under the emulator at 128 MB", async (t) => {
  await t.step(
    "echoes 500 events of 1 MB in a row, none failing and Max Memory Used under 128 MB",
    async () => {
      const platform: string[] = [];
      await using emulator = await startEmulator({
        // The portable bootstrap's way: heapScript sizes the heap, then deno runs the function.
        command: [
          "/bin/sh",
          "-c",
          `set -eu\n${heapScript()}exec "$0" run --no-prompt --allow-env --allow-net=127.0.0.1 "$1"`,
          Deno.execPath(),
          FUNCTION,
        ],
        port: 0,
        memory: 128,
        timeout: 30,
        output: (line, source) => {
          if (source === "platform") platform.push(line);
        },
      });
      const payload = event(1024 * 1024);
      const failures: string[] = [];
      for (let i = 0; i < 500; i++) {
        const response = await emulator.invoke(payload);
        const body = await response.text();
        if (
          response.headers.has("x-amz-function-error") ||
          body.length !== payload.length
        ) failures.push(body.slice(0, 200));
      }
      await emulator.close();
      assert.deepEqual(failures, []);
      const used = maxMemoryUsed(platform);
      assert.equal(used.length, 500);
      assert.ok(
        Math.max(...used) < 128,
        `Max Memory Used reached ${Math.max(...used)} MB`,
      );
    },
  );
});
