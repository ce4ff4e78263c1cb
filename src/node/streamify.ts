/**
 * Runs a handler written for Node's response streaming,
 * `awslambda.streamifyResponse(async (event, responseStream, context) => …)`,
 * under `stream()`: the writable it is given feeds the streamed response, and
 * `awslambda.HttpResponseStream.from(stream, prelude)` becomes the HTTP
 * response's status, headers and cookies.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import type { Handler } from "../core/types.ts";
import { STREAMING_HANDLER } from "./awslambda.ts";

/** What `HttpResponseStream.from` is given: the HTTP integration's prelude. */
export interface HttpPrelude {
  /** The status; 200 when absent. */
  statusCode?: number;
  /** Response headers. */
  headers?: Record<string, string>;
  /** `Set-Cookie` values. */
  cookies?: string[];
}

/** The writable a streamified handler gets: the part of Node's `Writable` such handlers use. */
export interface ResponseWritable {
  /** Sends a chunk; `callback` runs once it is queued. */
  write(chunk: Uint8Array | string, callback?: () => void): boolean;
  /** Ends the response, after an optional last chunk. */
  end(chunk?: Uint8Array | string | (() => void), callback?: () => void): void;
  /** Ends the response with an error, sent as Lambda's mid-stream error. */
  destroy(error?: unknown): void;
  /** Kept for Node compatibility: the content type comes from the prelude. */
  setContentType(type: string): void;
  /** Set by `HttpResponseStream.from` instead of writing the prelude's bytes. */
  setPrelude(prelude: HttpPrelude): void;
  /** Event listeners are accepted and never called. */
  on(event: string, listener: (...args: unknown[]) => void): ResponseWritable;
}

/** A handler `awslambda.streamifyResponse` marked. */
export type StreamifiedHandler = (
  event: unknown,
  responseStream: ResponseWritable,
  context: Context,
) => unknown;

const _encoder = new TextEncoder();

/** Whether `awslambda.streamifyResponse` marked `handler`. */
export function isStreamified(handler: unknown): handler is StreamifiedHandler {
  return typeof handler === "function" &&
    (handler as unknown as Record<symbol, unknown>)[STREAMING_HANDLER] ===
      "response";
}

/**
 * The `stream()` handler for a streamified one: it answers with the body
 * once the first chunk is written (or the handler ends), while the handler
 * goes on writing; a `Response` when it gave a prelude.
 */
export function fromStreamified(
  handler: StreamifiedHandler,
): Handler<unknown, ReadableStream<Uint8Array> | Response> {
  return async (event, context) => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => void (controller = c),
    });
    const begun = Promise.withResolvers<void>();
    let prelude: HttpPrelude | undefined;
    let wrote = false;
    let ended = false;
    const finish = (error?: unknown) => {
      if (ended) return;
      ended = true;
      if (error === undefined) controller.close();
      else controller.error(error);
      begun.resolve();
    };
    const writable: ResponseWritable = {
      write(chunk, callback) {
        if (ended) return false;
        controller.enqueue(
          typeof chunk === "string" ? _encoder.encode(chunk) : chunk,
        );
        wrote = true;
        begun.resolve();
        callback?.();
        return true;
      },
      end(chunk, callback) {
        if (typeof chunk === "function") callback = chunk;
        else if (chunk !== undefined) writable.write(chunk);
        finish();
        callback?.();
      },
      destroy: (error) =>
        finish(error ?? new Error("The response was destroyed")),
      setContentType() {},
      setPrelude: (given) => void (prelude = given),
      on: () => writable,
    };
    const done = Promise.resolve()
      .then(() => handler(event, writable, context))
      .then(() => finish(), (error) => {
        // Before the first byte the invocation fails; after it, the stream does.
        if (!wrote && !ended) throw error;
        finish(error);
      });
    await Promise.race([begun.promise, done]);
    done.catch(() => {});
    if (prelude === undefined) return body;
    const headers = new Headers(prelude.headers);
    for (const cookie of prelude.cookies ?? []) {
      headers.append("set-cookie", cookie);
    }
    return new Response(body, { status: prelude.statusCode ?? 200, headers });
  };
}
