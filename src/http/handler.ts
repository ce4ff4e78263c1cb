/**
 * The adapter around a user's `(request, info) => Response`: event →
 * `Request`, the call, failures turned into `400`/`500` responses, and the
 * `Response` → result. A core `Handler`, so any loop can run it.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import { formatError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { logger as lambdaLogger } from "../logging/lambda_logger.ts";
import type { Handler } from "../core/types.ts";
import type { ToResultOptions } from "./_adapter.ts";
import { buildResult } from "./_result.ts";
import {
  adapterFor,
  type HttpEvent,
  type HttpResult,
  resolveSource,
} from "./convert.ts";
import { HttpPassThroughError, HttpRequestError } from "./errors.ts";
import type { HttpSource, WebSocketInfo } from "./source.ts";
import type { HttpEventOptions } from "./options.ts";

/**
 * What a handler gets beside the `Request`: where it came from, the raw
 * event and the Lambda context.
 *
 * @example
 * ```ts
 * import type { HttpInfo } from "@rtl/lambda/http";
 *
 * function describe(info: HttpInfo): string {
 *   return `${info.source} request ${info.context.awsRequestId} from ${info.sourceIp}`;
 * }
 * ```
 */
export interface HttpInfo {
  /** The event's source. */
  readonly source: HttpSource;
  /** The raw event, as Lambda delivered it (for `"pass-through"`, whatever it is). */
  readonly event: HttpEvent;
  /** The source's request context (`event.requestContext`): authorizer output, stage, ids. */
  readonly requestContext: Readonly<Record<string, unknown>> | undefined;
  /** The client's address: the request context's source IP, or the last `X-Forwarded-For` hop for an ALB. */
  readonly sourceIp: string | undefined;
  /** The Lambda context: request id, deadline `signal`, remaining time. */
  readonly context: Context;
  /** The connection, route and management endpoint, for WebSocket events only. */
  readonly webSocket?: WebSocketInfo;
}

/**
 * A web-standard HTTP handler. `app.fetch` of Hono and other fetch-style
 * routers has this shape (the info arrives as their second, "env",
 * argument).
 *
 * @example
 * ```ts
 * import type { HttpHandler } from "@rtl/lambda/http";
 *
 * const handler: HttpHandler = (request, info) =>
 *   Response.json({ path: new URL(request.url).pathname, requestId: info.context.awsRequestId });
 * ```
 */
export type HttpHandler = (
  request: Request,
  info: HttpInfo,
) => Response | Promise<Response>;

/**
 * Builds the response sent when the handler throws (or returns something
 * that is not a `Response`). The error is logged before it is called.
 *
 * @example
 * ```ts
 * import type { HttpErrorHandler } from "@rtl/lambda/http";
 *
 * const onError: HttpErrorHandler = (_error, _request, info) =>
 *   Response.json({ error: "internal", requestId: info.context.awsRequestId }, { status: 500 });
 * ```
 */
export type HttpErrorHandler = (
  error: unknown,
  request: Request,
  info: HttpInfo,
) => Response | Promise<Response>;

/**
 * Options of the HTTP adapter.
 *
 * @example
 * ```ts
 * import type { HttpOptions } from "@rtl/lambda/http";
 *
 * const options: HttpOptions = {
 *   source: "alb",
 *   isBinary: (headers) => headers.get("content-type") !== "application/json",
 * };
 * ```
 */
export interface HttpOptions extends HttpEventOptions {
  /** The response when the handler fails; a bare `500 Internal Server Error` when absent. */
  onError?: HttpErrorHandler;
  /** Where handler failures and conversion warnings are logged. */
  logger?: Logger;
}

/**
 * The outcome of one HTTP invocation before it becomes a result: the
 * source, the event and the final `Response` (the handler's, or the `400` or
 * `500` that replaced it). A streaming responder starts from here.
 *
 * @example
 * ```ts
 * import type { HttpExchange } from "@rtl/lambda/http";
 *
 * function status(exchange: HttpExchange): number {
 *   return exchange.response.status;
 * }
 * ```
 */
export interface HttpExchange {
  /** The event's source. */
  source: HttpSource;
  /** The raw event. */
  event: HttpEvent;
  /** The response to send. */
  response: Response;
}

/**
 * Runs the handler for one event: resolves the source (a non-HTTP event
 * throws a `NotHttpEventError`, failing the invocation), builds the
 * `Request` with the context's deadline signal (an event no valid request
 * can be built from gets a `400`), and calls the handler. A throw, or a
 * value that is not a `Response`, is logged and answered with `500
 * Internal Server Error` (or `options.onError`), no detail leaked.
 *
 * @example
 * ```ts ignore
 * import { handleHttpEvent } from "@rtl/lambda/http";
 *
 * const { response } = await handleHttpEvent(() => new Response("hi"), event, context);
 * ```
 */
export async function handleHttpEvent(
  handler: HttpHandler,
  event: unknown,
  context: Context,
  options: HttpOptions = {},
): Promise<HttpExchange> {
  const logger = options.logger ?? lambdaLogger;
  const source = resolveSource(event, options.source, options.passThrough);
  const adapter = adapterFor(source);
  const httpEvent = event as HttpEvent;
  let request: Request;
  try {
    request = adapter.toRequest(httpEvent, {
      stage: options.stage,
      basePath: options.basePath,
      signal: context.signal,
    });
  } catch (error) {
    if (!(error instanceof HttpRequestError)) throw error;
    logger.warn(`Bad request, answered 400: ${error.message}`, {
      requestId: context.awsRequestId,
    });
    return {
      source,
      event: httpEvent,
      response: _plain(400, "Bad Request"),
    };
  }
  const info: HttpInfo = {
    source,
    event: httpEvent,
    requestContext: (httpEvent as { requestContext?: Record<string, unknown> })
      .requestContext,
    sourceIp: adapter.sourceIp(httpEvent),
    context,
    ...adapter.info?.(httpEvent, context),
  };
  let response: Response;
  try {
    const returned: unknown = await handler(request, info);
    if (!(returned instanceof Response)) {
      throw new TypeError(
        `The HTTP handler returned ${_kind(returned)} instead of a Response`,
      );
    }
    response = returned;
  } catch (error) {
    _logFailure(logger, error, request, context);
    response = await _errorResponse(options, logger, error, request, info);
  }
  return { source, event: httpEvent, response };
}

/**
 * Wraps an {@linkcode HttpHandler} into a core `Handler` that takes an
 * HTTP event and returns the result its source expects: what `serve()`
 * passes to `run()`, and what a custom loop can run (`runLoop`). A body that
 * fails while it is read is logged and answered with `500`. With
 * `passThrough`, a non-HTTP event's result is the response body itself (see
 * {@linkcode HttpOptions.passThrough}), not an `HttpResult`.
 *
 * @example
 * ```ts
 * import { createHttpHandler } from "@rtl/lambda/http";
 * import { createContext, readEnvironment } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * const handler = createHttpHandler((request) =>
 *   new Response(`hello ${new URL(request.url).searchParams.get("name")}`)
 * );
 * const context = createContext(
 *   { requestId: "req-1", deadlineMs: Date.now() + 3000, invocationId: undefined, headers: new Headers(), body: "" },
 *   readEnvironment({ AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" }),
 * );
 * const result = await handler({
 *   version: "2.0",
 *   rawPath: "/",
 *   rawQueryString: "name=Ada",
 *   headers: { host: "abc123.lambda-url.us-east-1.on.aws" },
 *   requestContext: { http: { method: "GET" }, domainName: "abc123.lambda-url.us-east-1.on.aws" },
 * }, context);
 * assert.equal(result.body, "hello Ada");
 * assert.equal(result.statusCode, 200);
 * (context as Partial<Disposable>)[Symbol.dispose]?.();
 * ```
 */
export function createHttpHandler(
  handler: HttpHandler,
  options: HttpOptions = {},
): Handler<unknown, HttpResult> {
  const logger = options.logger ?? lambdaLogger;
  const resultOptions: ToResultOptions = {
    isBinary: options.isBinary,
    warn: (message) => logger.warn(message),
  };
  return async (event, context) => {
    const { source, event: httpEvent, response } = await handleHttpEvent(
      handler,
      event,
      context,
      options,
    );
    const adapter = adapterFor(source);
    try {
      return await buildResult(
        adapter,
        response,
        httpEvent,
        resultOptions,
      ) as HttpResult;
    } catch (error) {
      if (error instanceof HttpPassThroughError) throw error;
      logger.error(
        `The HTTP response body failed while it was read: ${
          _summary(error)
        }; answered 500`,
        {
          requestId: context.awsRequestId,
          stackTrace: formatError(error).stackTrace,
        },
      );
      return await buildResult(
        adapter,
        _plain(500, "Internal Server Error"),
        httpEvent,
        resultOptions,
      ) as HttpResult;
    }
  };
}

function _plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { "content-type": "text/plain;charset=UTF-8" },
  });
}

async function _errorResponse(
  options: HttpOptions,
  logger: Logger,
  error: unknown,
  request: Request,
  info: HttpInfo,
): Promise<Response> {
  if (options.onError) {
    try {
      const custom: unknown = await options.onError(error, request, info);
      if (custom instanceof Response) return custom;
      logger.error(
        `onError returned ${_kind(custom)} instead of a Response; answered 500`,
      );
    } catch (onErrorFailure) {
      logger.error(`onError threw: ${_summary(onErrorFailure)}; answered 500`);
    }
  }
  return _plain(500, "Internal Server Error");
}

function _logFailure(
  logger: Logger,
  error: unknown,
  request: Request,
  context: Context,
): void {
  const report = formatError(error);
  logger.error(
    `The HTTP handler failed on ${request.method} ${
      new URL(request.url).pathname
    }: ${report.errorType}: ${report.errorMessage}; answered 500`,
    { requestId: context.awsRequestId, stackTrace: report.stackTrace },
  );
}

function _summary(error: unknown): string {
  const report = formatError(error);
  return `${report.errorType}: ${report.errorMessage}`;
}

function _kind(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value !== "object") return `a ${typeof value}`;
  try {
    const name = (value as { constructor?: { name?: unknown } }).constructor
      ?.name;
    if (typeof name === "string" && name !== "Object") return `a ${name}`;
  } catch {
    // A proxy or getter that throws: the generic word will do.
  }
  return "an object";
}
