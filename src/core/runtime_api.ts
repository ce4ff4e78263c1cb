/**
 * The Lambda Runtime API client: the `RuntimeApi` interface the loop talks
 * to, and its default implementation over a `fetch`-compatible transport.
 *
 * @module
 */

import { type ErrorReport, RuntimeApiError } from "./errors.ts";
import { VERSION } from "./version.ts";
import { errorTypeHeaderValue } from "./_header.ts";
import { type Channel, openChannel, responseDetail } from "./_client.ts";
import { tcpReachable } from "./_api_gone.ts";

/**
 * A `fetch`-compatible function: the HTTP transport seam. The default is the
 * global `fetch`, which keeps one connection alive.
 *
 * @example A transport that records timings
 * ```ts
 * import type { Transport } from "@rtl/lambda/runtime";
 *
 * const timings: number[] = [];
 * const timed: Transport = async (input, init) => {
 *   const start = performance.now();
 *   try {
 *     return await fetch(input, init);
 *   } finally {
 *     timings.push(performance.now() - start);
 *   }
 * };
 * ```
 */
export type Transport = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

/**
 * One invocation as received from `/invocation/next`.
 *
 * @example
 * ```ts
 * import type { Invocation } from "@rtl/lambda/runtime";
 *
 * const invocation: Invocation = {
 *   requestId: "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
 *   deadlineMs: Date.now() + 3000,
 *   invocationId: undefined,
 *   headers: new Headers(),
 *   body: '{"name":"Ada"}',
 * };
 * ```
 */
export interface Invocation {
  /** `Lambda-Runtime-Aws-Request-Id` (the context's `awsRequestId`); empty when the header was missing. */
  readonly requestId: string;
  /** `Lambda-Runtime-Deadline-Ms`; `NaN` when missing or malformed. */
  readonly deadlineMs: number;
  /** `Lambda-Runtime-Invocation-Id`, another id than the request id: sent back on the response when present. */
  readonly invocationId: string | undefined;
  /** Every header of the `/next` response. */
  readonly headers: Headers;
  /** The event, as text: the raw body the handler can also read. The loop empties it once the handler has returned. */
  readonly body: string;
}

/**
 * Options for {@linkcode RuntimeApi.respond}.
 *
 * @example
 * ```ts
 * import type { RespondOptions } from "@rtl/lambda/runtime";
 *
 * const options: RespondOptions = { contentType: "text/plain" };
 * ```
 */
export interface RespondOptions {
  /** `Content-Type` of the response; `application/json` when absent. */
  contentType?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/**
 * Options for {@linkcode RuntimeApi.stream}.
 *
 * @example
 * ```ts
 * import type { ResponseStreamOptions } from "@rtl/lambda/runtime";
 *
 * const options: ResponseStreamOptions = { contentType: "text/event-stream" };
 * ```
 */
export interface ResponseStreamOptions extends RespondOptions {
  /** Called when the handler's stream fails after the first byte was sent. */
  formatError?: (thrown: unknown) => ErrorReport;
  /** `Content-Type` of the response; `application/octet-stream` when absent. */
  contentType?: string;
  /** Bytes the stream may send; `STREAMED_RESPONSE_LIMIT` (200 MB) when absent. */
  maxBytes?: number;
}

/**
 * The Runtime API, as the loop uses it. Every method throws a
 * {@linkcode RuntimeApiError} when the API answers with an unexpected status
 * (its `status` says which) or cannot be reached (`status` 0).
 *
 * @example An in-memory API for unit tests
 * ```ts
 * import type { Invocation, RuntimeApi } from "@rtl/lambda/runtime";
 *
 * const sent: string[] = [];
 * const api: RuntimeApi = {
 *   next: () => Promise.resolve<Invocation>({
 *     requestId: "1", deadlineMs: Date.now() + 1000, invocationId: undefined,
 *     headers: new Headers(), body: "{}",
 *   }),
 *   respond: (_invocation, body) => { sent.push(String(body)); return Promise.resolve(); },
 *   fail: () => Promise.resolve(),
 *   failInit: () => Promise.resolve(),
 * };
 * ```
 */
export interface RuntimeApi {
  /** Long-polls `/invocation/next`; never times out. `signal` stops the wait. */
  next(signal?: AbortSignal): Promise<Invocation>;
  /** Posts a buffered response to `/invocation/{id}/response`. */
  respond(
    invocation: Invocation,
    body: string | Uint8Array,
    options?: RespondOptions,
  ): Promise<void>;
  /**
   * Posts a streamed response (`Lambda-Runtime-Function-Response-Mode:
   * streaming`). Optional: `createRuntimeApi` leaves it out, and `stream()`
   * adds the streaming layer, which attaches a raw-socket implementation.
   */
  stream?(
    invocation: Invocation,
    body: ReadableStream<Uint8Array>,
    options?: ResponseStreamOptions,
  ): Promise<void>;
  /** Posts an error report to `/invocation/{id}/error`. */
  fail(
    invocation: Invocation,
    report: ErrorReport,
    options?: { headers?: Record<string, string> },
  ): Promise<void>;
  /** Posts an error report to `/init/error`. */
  failInit(report: ErrorReport): Promise<void>;
  /**
   * Optional: resolves `false` only when the API refuses connections (the
   * platform is gone). The loop asks it once an invocation passes its deadline
   * and stops when it is gone; without it the loop never asks.
   */
  reachable?(): Promise<boolean>;
}

/**
 * The `User-Agent` this runtime identifies itself with.
 */
export const USER_AGENT: string = `rtl-lambda/${VERSION}`;

const _PREFIX = "/2018-06-01/runtime";

/**
 * Creates the default {@linkcode RuntimeApi} for `host:port` (the value of
 * `AWS_LAMBDA_RUNTIME_API`) over a `fetch`-compatible transport.
 *
 * An answer (`respond`, `fail`, `failInit`) is sent at most once: it goes
 * again only when it provably never reached the API (the connection was
 * refused, or a kept-alive socket failed before the request was written),
 * never after a connection broke once the request was written. Without a
 * `transport`, answers go over a raw-socket HTTP/1.1 client, because `fetch`
 * re-sends such a POST by itself; with one, the transport is trusted to send
 * once. `next` is asked once more after any failure without an answer.
 *
 * @example
 * ```ts
 * import { createRuntimeApi } from "@rtl/lambda/runtime";
 *
 * const api = createRuntimeApi("127.0.0.1:9001");
 * // const invocation = await api.next();
 * // await api.respond(invocation, JSON.stringify({ ok: true }));
 * ```
 */
export function createRuntimeApi(
  host: string,
  options: {
    /** The HTTP transport; the global `fetch` when absent. */
    readonly transport?: Transport;
    /** `User-Agent` sent with every request; `rtl-lambda/<version>` when absent. */
    readonly userAgent?: string;
  } = {},
): RuntimeApi {
  return runtimeApiOver(
    openChannel(host, options.transport),
    host,
    options.userAgent ?? USER_AGENT,
  );
}

/**
 * The default {@linkcode RuntimeApi} over a channel opened already: how
 * `run()` shares the channel's connection with the streaming layer.
 */
export function runtimeApiOver(
  channel: Channel,
  host: string,
  userAgent: string,
): RuntimeApi {
  const { send, post } = channel;
  const nextUrl = `${channel.base}${_PREFIX}/invocation/next`;
  // Pairs, not records, made once: fetch's conversion of a record costs about 5 µs a request, of pairs far less.
  const getInit: RequestInit = { headers: [["user-agent", userAgent]] };
  const jsonHeaders: [string, string][] = [
    ["user-agent", userAgent],
    ["content-type", "application/json"],
  ];

  function errorHeaders(
    report: ErrorReport,
    invocationId: string | undefined,
    extra: Record<string, string> | undefined,
  ): Record<string, string> {
    const headers: Record<string, string> = {
      "user-agent": userAgent,
      "content-type": "application/json",
      "lambda-runtime-function-error-type": errorTypeHeaderValue(
        report.errorType,
      ),
      ...extra,
    };
    if (invocationId !== undefined) {
      headers["lambda-runtime-invocation-id"] = invocationId;
    }
    return headers;
  }

  return {
    async next(signal?: AbortSignal): Promise<Invocation> {
      const response = await send(
        "next",
        nextUrl,
        signal ? { ...getInit, signal } : getInit,
      );
      if (response.status !== 200) {
        throw new RuntimeApiError(
          "next",
          response.status,
          await responseDetail(response),
        );
      }
      const headers = response.headers;
      const body = await response.text();
      const deadline = headers.get("lambda-runtime-deadline-ms");
      return {
        requestId: headers.get("lambda-runtime-aws-request-id") ?? "",
        deadlineMs: deadline === null || deadline === ""
          ? NaN
          : Number(deadline),
        invocationId: headers.get("lambda-runtime-invocation-id") ?? undefined,
        headers,
        body,
      };
    },

    respond(invocation, body, respondOptions) {
      const url = `${_PREFIX}/invocation/${
        encodeURIComponent(invocation.requestId)
      }/response`;
      if (
        respondOptions === undefined && invocation.invocationId === undefined
      ) {
        return post("response", url, body, jsonHeaders);
      }
      const headers: Record<string, string> = {
        "user-agent": userAgent,
        "content-type": respondOptions?.contentType ?? "application/json",
        ...respondOptions?.headers,
      };
      if (invocation.invocationId !== undefined) {
        headers["lambda-runtime-invocation-id"] = invocation.invocationId;
      }
      return post("response", url, body, headers);
    },

    fail(invocation, report, failOptions) {
      return post(
        "error",
        `${_PREFIX}/invocation/${
          encodeURIComponent(invocation.requestId)
        }/error`,
        JSON.stringify(report),
        errorHeaders(report, invocation.invocationId, failOptions?.headers),
      );
    },

    failInit(report) {
      return post(
        "init/error",
        `${_PREFIX}/init/error`,
        JSON.stringify(report),
        errorHeaders(report, undefined, undefined),
      );
    },

    // Only the default transport dials `host` itself; another may go elsewhere.
    ...(channel.request !== undefined
      ? { reachable: () => tcpReachable(host) }
      : {}),
  };
}
