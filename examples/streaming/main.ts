/**
 * Server-sent events from Lambda: `serveStream(handler)`
 * behind a function URL with `InvokeMode: RESPONSE_STREAM`. Each event
 * reaches the client when it is written, not when the handler is done.
 *
 * Run it locally, in one command (the emulator, one invocation, each chunk
 * printed as it arrives):
 *
 * ```sh
 * deno task example:streaming
 * ```
 *
 * or under the emulator, and watch the chunks come with `curl -N`:
 *
 * ```sh
 * deno task emulator examples/streaming/main.ts
 * curl -N -d @examples/streaming/event.json http://127.0.0.1:9000/2015-03-31/functions/function/invocations
 * ```
 *
 * (The emulator speaks the Invoke API, so curl shows Lambda's raw stream:
 * the JSON prelude, eight NUL bytes, then the events.)
 *
 * @module
 */

import { serveStream } from "../../src/http/mod.ts";

/** One server-sent event: `id`, `event` and a JSON `data` line. */
export function sse(id: number, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Ticks `count` times, `interval` ms apart, until the deadline signal fires. */
export async function* ticks(
  count: number,
  interval: number,
  signal: AbortSignal,
): AsyncGenerator<string> {
  for (let i = 1; i <= count && !signal.aborted; i++) {
    yield sse(i, "tick", { i, of: count, at: new Date().toISOString() });
    if (i < count) {
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }
  yield sse(count + 1, "done", { ticks: count });
}

if (import.meta.main) {
  serveStream((request, info) => {
    const query = new URL(request.url).searchParams;
    const count = Math.min(Number(query.get("count") ?? 5) || 5, 100);
    const interval = Math.min(
      Number(query.get("interval") ?? 300) || 300,
      2000,
    );
    const body = ReadableStream.from(
      ticks(count, interval, info.context.signal),
    )
      .pipeThrough(new TextEncoderStream());
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
      },
    });
  });
}
