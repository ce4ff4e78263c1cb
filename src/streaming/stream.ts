/**
 * `stream()`: `run()` for handlers whose result is streamed to the caller as
 * it is produced, a web `ReadableStream` or a whole `Response` (function URLs
 * with `InvokeMode: RESPONSE_STREAM`, `InvokeWithResponseStream`).
 *
 * @module
 */

import { formatError, TypedError } from "../core/errors.ts";
import {
  HTTP_INTEGRATION_CONTENT_TYPE,
  httpIntegrationStream,
} from "./http_prelude.ts";
import type { Logger } from "../core/logger.ts";
import { logger as lambdaLogger } from "../logging/lambda_logger.ts";
import type {
  Handler,
  HandlerSource,
  Responder,
  RunOptions,
} from "../core/types.ts";
import { runWith } from "../run.ts";
import type { Layer } from "../core/layer.ts";
import { withStreaming } from "./streamer.ts";
import { fromStreamified, isStreamified } from "../node/streamify.ts";
import type { ResponseStreamOptions } from "../core/runtime_api.ts";

const _encoder = new TextEncoder();

/**
 * What a streaming handler returns:
 *
 * - a `ReadableStream` of `Uint8Array`s or strings: each chunk is sent as it
 *   is produced;
 * - a `Response`: sent as an HTTP response (status, headers and cookies in
 *   Lambda's prelude, then the body, streamed);
 * - an async (or sync) iterable of chunks, such as an async generator;
 * - a `Blob` (a file, say): its stream;
 * - a string or bytes: sent as one chunk; `null`/`undefined`: an empty body.
 *
 * @example
 * ```ts
 * import type { StreamResult } from "@rtl/lambda";
 *
 * async function* lines(): AsyncGenerator<string> {
 *   yield "one\n";
 *   yield "two\n";
 * }
 * const result: StreamResult = lines();
 * ```
 */
export type StreamResult =
  | ReadableStream<Uint8Array | string>
  | Response
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>
  | Blob
  | Uint8Array
  | string
  | null
  | undefined;

/**
 * A handler whose result is streamed.
 */
export type StreamHandler<Event = unknown> = Handler<Event, StreamResult>;

/**
 * Options for {@linkcode stream}: those of `run()` (but `respond`, which
 * `stream()` provides), and how the stream is sent.
 *
 * @example
 * ```ts
 * import type { StreamOptions } from "@rtl/lambda";
 *
 * const options: StreamOptions = { contentType: "text/plain; charset=utf-8" };
 * ```
 */
export interface StreamOptions extends Omit<RunOptions, "respond"> {
  /**
   * `Content-Type` of results that are not a `Response`;
   * `application/octet-stream` when absent.
   */
  contentType?: string;
  /** Bytes a response may stream; `STREAMED_RESPONSE_LIMIT` (200 MB) when absent. */
  maxBytes?: number;
}

/**
 * Options for {@linkcode streamResponder}.
 */
export interface StreamResponderOptions {
  /** `Content-Type` of results that are not a `Response`. */
  contentType?: string;
  /** Bytes a response may stream. */
  maxBytes?: number;
  /** Turns an error thrown mid-stream into the report sent in the trailers. */
  formatError?: ResponseStreamOptions["formatError"];
  /** Where a mid-stream failure is logged. */
  logger?: Logger;
}

/**
 * The {@linkcode Responder} behind {@linkcode stream}: sends a
 * {@linkcode StreamResult} with {@linkcode RuntimeApi.stream}. Use it with
 * `run()` or `runLoop()` to build a streaming runtime of your own.
 *
 * A failure before the first byte (the handler's stream errors at once, or
 * the result is not streamable) is thrown, and the loop reports it on
 * `/invocation/{id}/error` as for any handler error. A failure after it is
 * logged and sent as trailers.
 */
export function streamResponder(
  options: StreamResponderOptions = {},
): Responder {
  const logger = options.logger ?? lambdaLogger;
  const toReport = options.formatError ?? formatError;
  return async (result, invocation, api) => {
    if (api.stream === undefined) {
      throw new TypedError(
        "Runtime.StreamingUnsupported",
        "The Runtime API client has no stream() method: run() and stream() attach one to the default client; give your own client one",
      );
    }
    let body: ReadableStream<Uint8Array>;
    let contentType = options.contentType ?? "application/octet-stream";
    if (result instanceof Response) {
      body = httpIntegrationStream(result);
      contentType = HTTP_INTEGRATION_CONTENT_TYPE;
    } else {
      body = _toStream(result);
    }
    await api.stream(invocation, body, {
      contentType,
      maxBytes: options.maxBytes,
      formatError(thrown) {
        const report = toReport(thrown);
        logger.error(
          `Invocation ${invocation.requestId} failed mid-stream: ${report.errorType}: ${report.errorMessage}`,
          { requestId: invocation.requestId, stackTrace: report.stackTrace },
        );
        return report;
      },
    });
  };
}

/**
 * Starts a function whose results are streamed to the caller as they are
 * produced: {@linkcode run} with {@linkcode streamResponder}. An
 * initializer is given as in `run()`: `stream({ init })`. The function must be invoked in a streaming mode
 * (a function URL with `InvokeMode: RESPONSE_STREAM`, or
 * `InvokeWithResponseStream`); a plain `Invoke` gets the whole body once it
 * is done.
 *
 * - Each chunk is written to the Runtime API when the stream yields it, and
 *   the next is not read before the socket took it: a slow reader slows the
 *   handler down and memory stays flat.
 * - A `Response` result becomes Lambda's HTTP response (status, headers,
 *   cookies, then the body).
 * - An error before the first byte is reported like any handler error; an
 *   error after it ends the body and reaches Lambda as trailers.
 * - A response past 200 MB ({@linkcode STREAMED_RESPONSE_LIMIT}) is cut
 *   there, its stream cancelled with a {@linkcode StreamLimitError}.
 *
 * @example Chunks as they are produced
 * ```ts ignore
 * import { stream } from "@rtl/lambda";
 *
 * stream(async (event: { words: string[] }) =>
 *   new ReadableStream({
 *     async start(controller) {
 *       for (const word of event.words) {
 *         controller.enqueue(word + "\n");
 *         await new Promise((resolve) => setTimeout(resolve, 100));
 *       }
 *       controller.close();
 *     },
 *   }), { contentType: "text/plain; charset=utf-8" });
 * ```
 *
 * @example An HTTP response behind a function URL
 * ```ts ignore
 * import { stream } from "@rtl/lambda";
 *
 * stream(() =>
 *   new Response(ReadableStream.from(["data: hello\n\n"]).pipeThrough(new TextEncoderStream()), {
 *     headers: { "content-type": "text/event-stream" },
 *   })
 * );
 * ```
 */
export function stream<Event = unknown>(
  handler: HandlerSource<Event, StreamResult>,
  options: StreamOptions = {},
): Promise<void> {
  const respond = streamResponder({
    contentType: options.contentType,
    maxBytes: options.maxBytes,
    formatError: options.formatError,
    logger: options.logger,
  });
  return runWith(_nodeStyle(handler), { ...options, respond }, [
    streamingLayer,
  ]);
}

/**
 * The layer `stream()` adds to `run()`'s: a client without
 * {@linkcode RuntimeApi.stream} gets the raw-socket streamer for the Runtime
 * API host (`fetch` cannot send trailers), over the connection the default
 * client answers on.
 */
export const streamingLayer: Layer = {
  name: "streaming",
  api: (api, environment, channel) =>
    api.stream === undefined
      ? withStreaming(api, environment.runtimeApi, {
        streamTransport: channel?.request,
      })
      : api,
};

/** A handler written for Node (`awslambda.streamifyResponse`) runs through the writable adapter. */
function _nodeStyle<Event>(
  handler: HandlerSource<Event, StreamResult>,
): HandlerSource<Event, StreamResult> {
  if (isStreamified(handler)) {
    return fromStreamified(handler) as Handler<Event, StreamResult>;
  }
  if (typeof handler !== "function" && typeof handler?.init === "function") {
    const init = handler.init;
    return {
      init: async () => {
        const made = await init();
        return isStreamified(made)
          ? fromStreamified(made) as Handler<Event, StreamResult>
          : made;
      },
    };
  }
  return handler;
}

function _toStream(result: unknown): ReadableStream<Uint8Array> {
  if (result instanceof ReadableStream) return _encoded(result);
  if (result === null || result === undefined) {
    return ReadableStream.from<Uint8Array>([]);
  }
  if (result instanceof Blob) return result.stream();
  if (typeof result === "string") {
    return ReadableStream.from([_encoder.encode(result)]);
  }
  if (result instanceof Uint8Array) return ReadableStream.from([result]);
  if (
    typeof result === "object" &&
    (Symbol.asyncIterator in result || Symbol.iterator in result)
  ) {
    return _encoded(ReadableStream.from(result as AsyncIterable<unknown>));
  }
  throw new TypedError(
    "Runtime.MarshalError",
    `A stream() handler returns a ReadableStream, a Response, an iterable of chunks, a Blob, a string or bytes; got ${typeof result}`,
  );
}

/** String chunks as UTF-8; pulled one at a time, so backpressure holds. */
function _encoded(source: ReadableStream<unknown>): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      // Anything else is refused, with its type, by RuntimeApi.stream.
      const bytes = typeof value === "string" ? _encoder.encode(value) : value;
      controller.enqueue(bytes as Uint8Array);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
