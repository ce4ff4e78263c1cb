/**
 * The default {@linkcode RuntimeApi.stream}: a streamed response POSTed to
 * `/invocation/{id}/response` over the raw-socket HTTP/1.1 client, chunk by
 * chunk as the body produces them, with a mid-stream error sent as HTTP
 * trailers (which `fetch` cannot send).
 *
 * @module
 */

import {
  type ErrorReport,
  RuntimeApiError,
  TypedError,
} from "../core/errors.ts";
import { errorTypeHeaderValue } from "../core/_header.ts";
import { safeReport } from "../core/_report.ts";
import type { Http1RequestInit } from "../core/_http1/client.ts";
import { openChannel } from "../core/_client.ts";
import { type HeaderList, readChunk } from "../core/_http1/encode.ts";
import type { Http1Response } from "../core/_http1/response.ts";
import type {
  Invocation,
  ResponseStreamOptions,
  RuntimeApi,
} from "../core/runtime_api.ts";
import { VERSION } from "../core/version.ts";

/**
 * Lambda's limit on a streamed response, in bytes: 200 MB (the documented
 * figure since July 2025; it was 20 MB before), as 200 × 1024 × 1024.
 * Beyond the first 6 MB, Lambda also caps the rate at 2 MB/s.
 */
export const STREAMED_RESPONSE_LIMIT: number = 200 * 1024 * 1024;

/**
 * Sends one request over HTTP/1.1 with a streamed body and trailers: the
 * transport seam of streamed responses, as {@linkcode Transport} is for the
 * rest. The default is the raw-socket connection the Runtime API client
 * answers over (one mechanism: see `openChannel`).
 */
export type StreamTransport = (
  init: Http1RequestInit,
) => Promise<Http1Response>;

/**
 * Posts a streamed response; the shape of {@linkcode RuntimeApi.stream}.
 */
export type ResponseStreamer = NonNullable<RuntimeApi["stream"]>;

/**
 * Options for {@linkcode createResponseStreamer}.
 */
export interface ResponseStreamerOptions {
  /** Sends the request; the Runtime API channel's connection to `host` when absent. */
  streamTransport?: StreamTransport;
  /** `User-Agent`; `rtl-lambda/<version>` when absent. */
  userAgent?: string;
}

/**
 * The stream went past {@linkcode STREAMED_RESPONSE_LIMIT} (or the
 * `maxBytes` given): it is cancelled with this error, and the error is sent
 * to Lambda as `Function.ResponseSizeTooLarge`.
 *
 * @example
 * ```ts
 * import { StreamLimitError } from "@rtl/lambda";
 * import assert from "node:assert/strict";
 *
 * const error = new StreamLimitError(1024);
 * assert.equal(error.name, "StreamLimitError");
 * assert.equal(error.errorType, "Function.ResponseSizeTooLarge");
 * ```
 */
export class StreamLimitError extends TypedError {
  /** The limit, in bytes. */
  readonly limit: number;
  /** Creates the error for a limit in bytes. */
  constructor(limit: number) {
    super(
      "Function.ResponseSizeTooLarge",
      `The streamed response went past ${limit} bytes${
        limit === STREAMED_RESPONSE_LIMIT
          ? ", Lambda's limit for a streamed response (200 MB)"
          : ""
      }: the stream was cancelled and the rest was not sent`,
    );
    this.name = "StreamLimitError";
    this.limit = limit;
  }
}

const _TRAILER_TYPE = "Lambda-Runtime-Function-Error-Type";
const _TRAILER_BODY = "Lambda-Runtime-Function-Error-Body";
/** The error report must fit a trailer section, which servers cap like headers. */
const _MAX_TRAILER_JSON = 6 * 1024;
const _encoder = new TextEncoder();

/**
 * Creates the default {@linkcode RuntimeApi.stream} for `host:port`.
 *
 * The returned function reads the body's first chunk before sending
 * anything: if the body fails there, it rejects with the body's own error
 * and nothing was sent (report it with {@linkcode RuntimeApi.fail}).
 * Otherwise it POSTs the response with
 * `Lambda-Runtime-Function-Response-Mode: streaming` and chunked encoding,
 * each chunk as the body yields it; if the body fails later, or goes past
 * `maxBytes`, the body ends there and the error follows as the trailers
 * `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body`
 * (base64 of the error report JSON), and the promise resolves. It rejects
 * with a {@linkcode RuntimeApiError} when the Runtime API refuses the
 * response (`status`) or cannot be reached (`status` 0); the body is then
 * cancelled.
 */
export function createResponseStreamer(
  host: string,
  options: ResponseStreamerOptions = {},
): ResponseStreamer {
  const userAgent = options.userAgent ?? `rtl-lambda/${VERSION}`;
  // The core's channel, whose connection is made on first use: a function that never streams opens no socket.
  const transport = options.streamTransport ?? openChannel(host).request!;

  return async function stream(
    invocation: Invocation,
    body: ReadableStream<Uint8Array>,
    streamOptions: ResponseStreamOptions = {},
  ): Promise<void> {
    const limit = streamOptions.maxBytes ?? STREAMED_RESPONSE_LIMIT;
    const reader = body.getReader();
    let pending: Uint8Array | null | undefined;
    try {
      pending = await readChunk(reader, "A streamed response chunk");
    } catch (error) {
      // Before the first byte: nothing is sent, the caller reports the error.
      reader.cancel(error).catch(() => {});
      throw error;
    }
    let failure: { error: unknown } | undefined;
    let sent = 0;
    const relay = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk: Uint8Array | null;
        if (pending !== undefined) {
          chunk = pending;
          pending = undefined;
        } else {
          try {
            chunk = await readChunk(reader, "A streamed response chunk");
          } catch (error) {
            failure = { error };
            reader.cancel(error).catch(() => {});
            controller.close();
            return;
          }
        }
        if (chunk === null) {
          controller.close();
          return;
        }
        if (sent + chunk.byteLength > limit) {
          // Cut at the limit itself: the bytes up to it still go out.
          if (limit > sent) controller.enqueue(chunk.subarray(0, limit - sent));
          sent = limit;
          const error = new StreamLimitError(limit);
          failure = { error };
          reader.cancel(error).catch(() => {});
          controller.close();
          return;
        }
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    }, { highWaterMark: 0 });

    const headers: HeaderList = [
      ["User-Agent", userAgent],
      ["Content-Type", streamOptions.contentType ?? "application/octet-stream"],
      ["Lambda-Runtime-Function-Response-Mode", "streaming"],
      ["Trailer", `${_TRAILER_TYPE}, ${_TRAILER_BODY}`],
    ];
    if (invocation.invocationId !== undefined) {
      headers.push(["Lambda-Runtime-Invocation-Id", invocation.invocationId]);
    }
    headers.push(...Object.entries(streamOptions.headers ?? {}));

    let response: Http1Response;
    try {
      response = await transport({
        method: "POST",
        path: `/2018-06-01/runtime/invocation/${
          encodeURIComponent(invocation.requestId)
        }/response`,
        headers,
        body: relay,
        trailers: () => {
          if (failure === undefined) return undefined;
          const report = safeReport(streamOptions.formatError, failure.error);
          return [
            [_TRAILER_TYPE, errorTypeHeaderValue(report.errorType)],
            [_TRAILER_BODY, _base64(_encoder.encode(_fit(report)))],
          ];
        },
      });
    } catch (error) {
      throw new RuntimeApiError(
        "response",
        0,
        error instanceof Error ? error.message : String(error),
        { cause: error },
      );
    }
    if (response.status !== 202 && response.status !== 200) {
      const text = new TextDecoder().decode(response.body.subarray(0, 500));
      throw new RuntimeApiError(
        "response",
        response.status,
        text || "(no body)",
      );
    }
  };
}

/** The report as JSON, shortened (stack first, then message) to fit a trailer. */
function _fit(report: ErrorReport): string {
  let json = JSON.stringify(report);
  if (_encoder.encode(json).byteLength <= _MAX_TRAILER_JSON) return json;
  const fitted = { ...report, stackTrace: [...report.stackTrace] };
  while (fitted.stackTrace.length > 0) {
    fitted.stackTrace.pop();
    json = JSON.stringify(fitted);
    if (_encoder.encode(json).byteLength <= _MAX_TRAILER_JSON) return json;
  }
  // Escaped in JSON, one character can take up to 6 bytes.
  const frame = _encoder.encode(JSON.stringify({ ...fitted, errorMessage: "" }))
    .byteLength;
  const room = Math.max(0, Math.floor((_MAX_TRAILER_JSON - frame - 3) / 6));
  fitted.errorMessage = fitted.errorMessage.slice(0, room) + "…";
  return JSON.stringify(fitted);
}

function _base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.byteLength; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * `api` with {@linkcode RuntimeApi.stream} attached: the streaming layer's
 * raw-socket streamer for `host`. `run()` and `stream()` wrap the default
 * client with it; the core's client knows nothing of streaming.
 */
export function withStreaming(
  api: RuntimeApi,
  host: string,
  options: ResponseStreamerOptions = {},
): RuntimeApi {
  return {
    next: (signal) => api.next(signal),
    respond: (invocation, body, respondOptions) =>
      api.respond(invocation, body, respondOptions),
    fail: (invocation, report, failOptions) =>
      api.fail(invocation, report, failOptions),
    failInit: (report) => api.failInit(report),
    stream: createResponseStreamer(host, options),
    ...(api.reachable && { reachable: () => api.reachable!() }),
  };
}
