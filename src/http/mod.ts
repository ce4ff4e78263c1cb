/**
 * Web-standard HTTP on Lambda: serve a `(request: Request) => Response`
 * handler (or any fetch-style app, such as `app.fetch` of Hono) behind API
 * Gateway REST, HTTP and WebSocket APIs, Application Load Balancers, VPC
 * Lattice and function URLs; other events pass through on request.
 *
 * The source is detected from each event; the request arrives with its full
 * URL, every header and query value, cookies and body; the response goes
 * back with its status, headers, cookies and a text or base64 body as the
 * source expects. A handler that throws gets a `500` (logged, nothing
 * leaked); an event that is not HTTP fails the invocation with a
 * `NotHttpEventError`.
 *
 * @example
 * ```ts ignore
 * import { serve } from "@rtl/lambda/http";
 *
 * serve((request) =>
 *   new Response(`hello ${new URL(request.url).searchParams.get("name")}`)
 * );
 * ```
 *
 * @module
 */

import { run } from "../run.ts";
import type { RunOptions } from "../core/types.ts";
import { HTTP_INTEGRATION_CONTENT_TYPE } from "../streaming/http_prelude.ts";
import { stream } from "../streaming/stream.ts";
import { createStreamingHttpHandler } from "./streaming_handler.ts";
import { InitError } from "../core/errors.ts";
import {
  createHttpHandler,
  type HttpHandler,
  type HttpOptions,
} from "./handler.ts";

export type {
  HttpErrorHandler,
  HttpExchange,
  HttpHandler,
  HttpInfo,
  HttpOptions,
} from "./handler.ts";
export { createHttpHandler, handleHttpEvent } from "./handler.ts";
export { createStreamingHttpHandler } from "./streaming_handler.ts";
export { toRequest, toResult } from "./convert.ts";
export type { ConvertOptions, HttpEventOptions } from "./options.ts";
export type { HttpEvent, HttpResult } from "./convert.ts";
export type {
  HttpSource,
  MultiValueMap,
  SingleValueMap,
  WebSocketInfo,
} from "./source.ts";
export type {
  ApiGatewayV1Event,
  ApiGatewayV1RequestContext,
  ApiGatewayV1Result,
} from "./api_gateway_v1.ts";
export type {
  ApiGatewayV2Event,
  ApiGatewayV2RequestContext,
  ApiGatewayV2Result,
} from "./api_gateway_v2.ts";
export type { AlbEvent, AlbResult } from "./alb.ts";
export type { WebSocketEvent, WebSocketResult } from "./websocket.ts";
export type {
  VpcLatticeResult,
  VpcLatticeV1Event,
  VpcLatticeV2Event,
} from "./vpc_lattice.ts";
export {
  HttpPassThroughError,
  HttpRequestError,
  NotHttpEventError,
} from "./errors.ts";

/**
 * Options of {@linkcode serve} and {@linkcode serveStream}: the HTTP
 * adapter's, and the runtime's (`run()`), such as `transport`,
 * `concurrency` or `logger`.
 *
 * @example
 * ```ts
 * import type { ServeOptions } from "@rtl/lambda/http";
 *
 * const options: ServeOptions = { basePath: "/api", concurrency: 4 };
 * ```
 */
export interface ServeOptions extends HttpOptions, RunOptions {}

/**
 * Runs the function: each invocation's HTTP event becomes a `Request` for
 * the handler, and its `Response` becomes the result Lambda returns to the
 * client. Built on `run()`, so initialisation, errors, concurrency and
 * process exit behave as they do for any handler. {@linkcode serveStream}
 * streams the response instead, as `stream()` does for `run()`.
 *
 * @example A handler
 * ```ts ignore
 * import { serve } from "@rtl/lambda/http";
 *
 * serve((request, info) =>
 *   Response.json({
 *     path: new URL(request.url).pathname,
 *     requestId: info.context.awsRequestId,
 *     sourceIp: info.sourceIp,
 *   })
 * );
 * ```
 *
 * @example A Hono app, unchanged
 * ```ts ignore
 * import { Hono } from "npm:hono@4.13.19";
 * import { serve } from "@rtl/lambda/http";
 *
 * const app = new Hono();
 * app.get("/hello/:name", (c) => c.text(`hello ${c.req.param("name")}`));
 * serve(app.fetch);
 * ```
 *
 * @example A WebSocket API: each event is a request to `/{routeKey}`
 * ```ts ignore
 * import { serve } from "@rtl/lambda/http";
 *
 * serve(async (request, info) => {
 *   const ws = info.webSocket;
 *   if (ws?.eventType === "CONNECT") return new Response(null); // 2xx accepts
 *   if (ws?.routeKey === "sendmessage") return Response.json({ echo: await request.json() });
 *   return new Response(null);
 * });
 * ```
 *
 * @example Also taking SQS events: each is a `POST /` with the event as JSON
 * ```ts ignore
 * import { serve } from "@rtl/lambda/http";
 *
 * serve(async (request, info) => {
 *   if (info.source !== "pass-through") return new Response("hello");
 *   const { Records } = await request.json();
 *   console.log(`${Records.length} messages`);
 *   return Response.json({ batchItemFailures: [] });
 * }, { passThrough: true });
 * ```
 */
export function serve(
  handler: HttpHandler,
  options: ServeOptions = {},
): Promise<void> {
  return run({
    init: () => createHttpHandler(_checked("serve", handler), options),
  }, options);
}

/**
 * {@linkcode serve}, with each response streamed as it is produced
 * (function URLs with `InvokeMode: RESPONSE_STREAM`): status, headers and
 * cookies first, then the body chunk by chunk. Built on `stream()`.
 * `passThrough` is refused at init: a pass-through result is the body
 * itself, which the streamed HTTP response cannot carry.
 *
 * @example Server-sent events behind a function URL
 * ```ts ignore
 * import { serveStream } from "@rtl/lambda/http";
 *
 * serveStream(() =>
 *   new Response(
 *     ReadableStream.from(["data: hello\n\n"]).pipeThrough(new TextEncoderStream()),
 *     { headers: { "content-type": "text/event-stream" } },
 *   )
 * );
 * ```
 */
export function serveStream(
  handler: HttpHandler,
  options: ServeOptions = {},
): Promise<void> {
  return stream({
    init: () => {
      if (options.passThrough) {
        throw new InitError(
          "serveStream() cannot take passThrough: a pass-through event's result is the response body, which the streamed HTTP response cannot carry; use serve() for pass-through",
        );
      }
      return createStreamingHttpHandler(
        _checked("serveStream", handler),
        options,
      );
    },
  }, { ...options, contentType: HTTP_INTEGRATION_CONTENT_TYPE });
}

// Called in an initializer, so that a missing handler is reported on /init/error.
function _checked(entry: string, handler: HttpHandler): HttpHandler {
  if (typeof handler !== "function") {
    throw new InitError(
      `${entry}() needs a handler function (request, info) => Response, got ${
        handler === null ? "null" : typeof handler
      }`,
    );
  }
  return handler;
}
