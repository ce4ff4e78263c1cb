/**
 * The pure conversions, whatever the source: event → `Request` and
 * `Response` → result, picking the adapter from the event's shape or from
 * the source the caller names.
 *
 * @module
 */

import type {
  HttpSourceAdapter,
  ToRequestOptions,
  ToResultOptions,
} from "./adapter.ts";
import { alb, type AlbEvent, type AlbResult } from "./alb.ts";
import {
  apiGatewayV1,
  type ApiGatewayV1Event,
  type ApiGatewayV1Result,
} from "./api_gateway_v1.ts";
import {
  apiGatewayV2,
  type ApiGatewayV2Event,
  type ApiGatewayV2Result,
} from "./api_gateway_v2.ts";
import { detectSource, type HttpSource } from "./detect.ts";
import { NotHttpEventError } from "./errors.ts";

/**
 * Any HTTP event the adapter knows.
 *
 * @example
 * ```ts
 * import type { HttpEvent } from "@rtl/lambda/http";
 *
 * function path(event: HttpEvent): string {
 *   return "rawPath" in event ? event.rawPath : event.path;
 * }
 * ```
 */
export type HttpEvent = ApiGatewayV1Event | ApiGatewayV2Event | AlbEvent;

/**
 * Any result the adapter produces.
 *
 * @example
 * ```ts
 * import type { HttpResult } from "@rtl/lambda/http";
 *
 * const result: HttpResult = { statusCode: 204, headers: {}, body: "", isBase64Encoded: false };
 * ```
 */
export type HttpResult = ApiGatewayV1Result | ApiGatewayV2Result | AlbResult;

/**
 * Names the source instead of detecting it from the event.
 *
 * @example
 * ```ts
 * import type { SourceOption } from "@rtl/lambda/http";
 *
 * const options: SourceOption = { source: "alb" };
 * ```
 */
export interface SourceOption {
  /** The event's source; detected from the event's shape when absent. */
  source?: HttpSource;
}

type _Adapter = HttpSourceAdapter<HttpEvent, HttpResult>;

const _ADAPTERS: Record<HttpSource, _Adapter> = {
  "api-gateway-v1": apiGatewayV1 as unknown as _Adapter,
  "api-gateway-v2": apiGatewayV2 as unknown as _Adapter,
  "function-url": apiGatewayV2 as unknown as _Adapter,
  "alb": alb as unknown as _Adapter,
};

/**
 * The adapter that converts a source's events: function URLs share the
 * API Gateway 2.0 one.
 *
 * @example
 * ```ts
 * import { adapterFor, apiGatewayV2 } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.equal(adapterFor("function-url"), apiGatewayV2);
 * ```
 */
export function adapterFor(
  source: HttpSource,
): HttpSourceAdapter<HttpEvent, HttpResult> {
  const adapter = _ADAPTERS[source];
  if (adapter === undefined) {
    throw new NotHttpEventError(
      `Unknown HTTP source ${JSON.stringify(source)}; use one of ${
        Object.keys(_ADAPTERS).join(", ")
      }`,
    );
  }
  return adapter;
}

/**
 * The source of an event: the forced one after checking the event has its
 * fields, or the detected one. Throws a {@linkcode NotHttpEventError} that
 * names the event's top-level keys otherwise.
 *
 * @example
 * ```ts
 * import { NotHttpEventError, resolveSource } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => resolveSource({ Records: [] }), NotHttpEventError);
 * ```
 */
export function resolveSource(
  event: unknown,
  forced?: HttpSource,
): HttpSource {
  if (forced !== undefined) {
    if (adapterFor(forced).accepts(event)) return forced;
    throw new NotHttpEventError(
      `The event lacks the fields of a ${forced} event (${
        _describe(event)
      }), though the source was forced to ${forced}`,
    );
  }
  const source = detectSource(event);
  if (source !== undefined && adapterFor(source).accepts(event)) return source;
  if (source !== undefined) {
    throw new NotHttpEventError(
      `The event looks like a ${source} event but lacks its required fields (${
        _describe(event)
      })`,
    );
  }
  throw new NotHttpEventError(
    `The event is not an HTTP request from API Gateway, an Application Load Balancer or a function URL (${
      _describe(event)
    }). serve() handles HTTP events only; if this is one, name its source: serve(handler, { source: "api-gateway-v1" })`,
  );
}

/**
 * Turns an HTTP event into a web `Request`. Throws a
 * {@linkcode NotHttpEventError} for other events and an `HttpRequestError`
 * when the event cannot make a valid request.
 *
 * @example
 * ```ts
 * import { toRequest } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * const request = toRequest({
 *   version: "2.0",
 *   rawPath: "/items",
 *   rawQueryString: "tag=a&tag=b",
 *   headers: { host: "abc123.lambda-url.us-east-1.on.aws", "content-type": "application/json" },
 *   requestContext: {
 *     domainName: "abc123.lambda-url.us-east-1.on.aws",
 *     http: { method: "POST", sourceIp: "203.0.113.7" },
 *   },
 *   body: '{"name":"Ada"}',
 *   isBase64Encoded: false,
 * });
 * assert.equal(request.method, "POST");
 * assert.deepEqual(new URL(request.url).searchParams.getAll("tag"), ["a", "b"]);
 * assert.deepEqual(await request.json(), { name: "Ada" });
 * ```
 */
export function toRequest(
  event: unknown,
  options: ToRequestOptions & SourceOption = {},
): Request {
  const source = resolveSource(event, options.source);
  return adapterFor(source).toRequest(event as HttpEvent, options);
}

/**
 * Turns a `Response` into the result the event's source expects, reading
 * the whole body.
 *
 * @example
 * ```ts
 * import { toResult } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * const event = {
 *   requestContext: { elb: { targetGroupArn: "arn:aws:elasticloadbalancing:…" } },
 *   httpMethod: "GET",
 *   path: "/",
 *   headers: { host: "web.example.com" },
 * };
 * const result = await toResult(Response.json({ ok: true }), event);
 * assert.deepEqual(result, {
 *   statusCode: 200,
 *   statusDescription: "200 OK",
 *   headers: { "content-type": "application/json" },
 *   body: '{"ok":true}',
 *   isBase64Encoded: false,
 * });
 * ```
 */
export function toResult(
  response: Response,
  event: unknown,
  options: ToResultOptions & SourceOption = {},
): Promise<HttpResult> {
  const source = resolveSource(event, options.source);
  return adapterFor(source).toResult(response, event as HttpEvent, options);
}

function _describe(event: unknown): string {
  if (event === null) return "it is null";
  if (Array.isArray(event)) return `it is an array of ${event.length}`;
  if (typeof event !== "object") return `it is a ${typeof event}`;
  const keys = Object.keys(event);
  if (keys.length === 0) return "it is an empty object";
  const shown = keys.slice(0, 8).join(", ");
  return `its keys: ${shown}${keys.length > 8 ? ", …" : ""}`;
}
