/**
 * Runs `main.ts` under the emulator, invokes it once with a function URL
 * event, and prints the HTTP prelude, then each chunk the moment it
 * arrives: `deno task example:streaming`.
 *
 * @module
 */

import { startEmulator } from "../../local/mod.ts";

const here = new URL(".", import.meta.url).pathname;

if (import.meta.main) {
  const reported = Promise.withResolvers<void>();
  const emulator = await startEmulator({
    command: [
      Deno.execPath(),
      "run",
      "--no-prompt",
      "--allow-env",
      "--allow-net=127.0.0.1",
      `${here}main.ts`,
    ],
    port: 0,
    timeout: 30,
    output: (line, source) => {
      if (source !== "stdout") console.error(`  [${source}] ${line}`);
      if (line.startsWith("REPORT")) reported.resolve();
    },
  });
  try {
    const event = await Deno.readTextFile(`${here}event.json`);
    const started = performance.now();
    const response = await emulator.invoke(event);
    const decoder = new TextDecoder();
    let pending = new Uint8Array(0);
    let prelude = true;
    for await (const chunk of response.body!) {
      const ms = (performance.now() - started).toFixed(0).padStart(5);
      if (!prelude) {
        console.log(`${ms} ms  ${JSON.stringify(decoder.decode(chunk))}`);
        continue;
      }
      // The prelude ends at eight NUL bytes; what follows is the body.
      const joined = new Uint8Array(pending.byteLength + chunk.byteLength);
      joined.set(pending);
      joined.set(chunk, pending.byteLength);
      const end = joined.indexOf(0);
      if (end < 0 || joined.byteLength < end + 8) {
        pending = joined;
        continue;
      }
      prelude = false;
      console.log(
        `${ms} ms  prelude ${decoder.decode(joined.subarray(0, end))}`,
      );
      const rest = joined.subarray(end + 8);
      if (rest.byteLength > 0) {
        console.log(`${ms} ms  ${JSON.stringify(decoder.decode(rest))}`);
      }
    }
    // The REPORT line (duration, memory) comes once the stream has ended.
    await reported.promise;
  } finally {
    await emulator.close();
  }
}
