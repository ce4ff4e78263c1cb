/**
 * Streaming throughput: a 100 MB response streamed by a `stream()` function
 * to a Runtime API on 127.0.0.1 (chunked, over the raw-socket client),
 * against the same bytes written to a bare socket, and through the emulator
 * to an invoker. Prints the median of several runs, in MB/s (MB = 2^20
 * bytes).
 *
 * ```sh
 * deno task bench:streaming            # 100 MB, 5 runs
 * deno task bench:streaming --mb 20 --runs 3
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { startEmulator } from "@rtl/lambda-local";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mb: { type: "string", default: "100" },
    runs: { type: "string", default: "5" },
  },
});
const BYTES = Number(values.mb) * 1024 * 1024;
const RUNS = Number(values.runs);
const here = new URL(".", import.meta.url).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const deno = Deno.execPath();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function rate(seconds: number): string {
  return `${(BYTES / 1048576 / seconds).toFixed(0).padStart(6)} MB/s`;
}

async function writeAll(conn: Deno.Conn, text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let offset = 0;
  while (offset < bytes.byteLength) {
    offset += await conn.write(bytes.subarray(offset));
  }
}

/** The bare-socket floor: seconds from the start signal to EOF, per run. */
async function bareSocket(runs: number): Promise<number[]> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const child = new Deno.Command(deno, {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      `${here}streaming_socket.ts`,
      String(port),
      String(BYTES),
      String(runs),
    ],
  }).spawn();
  const times: number[] = [];
  const buffer = new Uint8Array(1 << 20);
  for (let run = 0; run < runs; run++) {
    const conn = await listener.accept();
    await conn.write(new Uint8Array([1]));
    const started = performance.now();
    let received = 0;
    for (;;) {
      const count = await conn.read(buffer);
      if (count === null) break;
      received += count;
    }
    times.push((performance.now() - started) / 1000);
    conn.close();
    if (received !== BYTES) throw new Error(`received ${received} bytes`);
  }
  await child.status;
  return times;
}

/**
 * A Runtime API just big enough for the bench: `/next` hands out an event
 * when a run starts, a streamed `/response` is read to its last chunk.
 */
async function runtimeApi(runs: number): Promise<number[]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const times: number[] = [];
  let served = 0;
  const done = Promise.withResolvers<void>();
  let started = 0;

  async function onConnection(conn: Deno.Conn): Promise<void> {
    const buffer = new Uint8Array(1 << 20);
    let pending = "";
    for (;;) {
      // The head, and what came after it in the same read.
      let at: number;
      let rest = new Uint8Array(0);
      while ((at = pending.indexOf("\r\n\r\n")) < 0) {
        const count = await conn.read(buffer);
        if (count === null) return;
        // Latin-1 keeps one character per byte, so offsets match.
        pending += new TextDecoder("latin1").decode(buffer.subarray(0, count));
      }
      const head = pending.slice(0, at);
      rest = encoder.encode(pending.slice(at + 4));
      pending = "";
      if (head.startsWith("GET")) {
        if (served === runs) {
          done.resolve();
          return await new Promise(() => {}); // held: the bench is over
        }
        served++;
        const body = JSON.stringify({ bytes: BYTES });
        started = performance.now();
        await writeAll(
          conn,
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n` +
            `lambda-runtime-aws-request-id: bench-${served}\r\n` +
            `lambda-runtime-deadline-ms: ${Date.now() + 600_000}\r\n` +
            `content-length: ${body.length}\r\n\r\n${body}`,
        );
        continue;
      }
      // A streamed response: all bytes are "x", so the last chunk's frame cannot hide in data.
      let tail = decoder.decode(rest);
      while (!tail.endsWith("\r\n0\r\n\r\n")) {
        const count = await conn.read(buffer);
        if (count === null) return;
        tail = (tail +
          decoder.decode(buffer.subarray(Math.max(0, count - 8), count)))
          .slice(-8);
      }
      times.push((performance.now() - started) / 1000);
      await writeAll(
        conn,
        "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n",
      );
    }
  }

  const accepting = (async () => {
    for await (const conn of listener) onConnection(conn).catch(() => {});
  })();
  const child = new Deno.Command(deno, {
    args: [
      "run",
      "--allow-env",
      "--allow-net=127.0.0.1",
      `${here}streaming_function.ts`,
    ],
    env: { AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}` },
    stderr: "inherit",
  }).spawn();
  await done.promise;
  child.kill();
  await child.status;
  listener.close();
  await accepting.catch(() => {});
  return times;
}

/** Through the emulator: seconds from invoke to the invoker's last byte. */
async function emulator(runs: number): Promise<number[]> {
  await using emulator = await startEmulator({
    command: [
      deno,
      "run",
      "--allow-env",
      "--allow-net=127.0.0.1",
      `${here}streaming_function.ts`,
    ],
    port: 0,
    timeout: 600,
    output: () => {},
  });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const response = await emulator.invoke(JSON.stringify({ bytes: BYTES }));
    let received = 0;
    for await (const chunk of response.body!) received += chunk.byteLength;
    times.push((performance.now() - started) / 1000);
    if (received !== BYTES) throw new Error(`received ${received} bytes`);
  }
  return times;
}

if (import.meta.main) {
  console.log(
    `Streaming ${values.mb} MB, median of ${RUNS} runs (plus one warm-up):`,
  );
  const socket = (await bareSocket(RUNS + 1)).slice(1);
  const runtime = (await runtimeApi(RUNS + 1)).slice(1);
  const emulated = (await emulator(RUNS + 1)).slice(1);
  const floor = median(socket);
  console.log(`  bare socket (floor)              ${rate(floor)}`);
  for (
    const [label, times] of [
      ["stream() to the Runtime API     ", runtime],
      ["stream() through the emulator   ", emulated],
    ] as const
  ) {
    const seconds = median(times);
    console.log(
      `  ${label}${rate(seconds)}  (${
        (floor / seconds * 100).toFixed(0)
      }% of the floor)`,
    );
  }
}
