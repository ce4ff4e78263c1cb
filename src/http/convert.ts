/**
 * The pure conversions, whatever the source: event → `Request` and
 * `Response` → result, picking the adapter from the event's shape or from
 * the source the caller names.
 *
 * @module
 */

import type { SourceAdapter } from "./_adapter.ts";
import { detectSource } from "./_detect.ts";
import { buildResult } from "./_result.ts";
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
import { NotHttpEventError } from "./errors.ts";
import { passThrough } from "./pass_through.ts";
import type { HttpSource } from "./source.ts";
import type { ConvertOptions } from "./options.ts";
import {
  type VpcLatticeResult,
  vpcLatticeV1,
  type VpcLatticeV1Event,
  vpcLatticeV2,
  type VpcLatticeV2Event,
} from "./vpc_lattice.ts";
import {
  webSocket,
  type WebSocketEvent,
  type WebSocketResult,
} from "./websocket.ts";

/**
 * Any HTTP event the adapter knows.
 *
 * @example
 * ```ts
 * import type { HttpEvent } from "@rtl/lambda/http";
 *
 * function hasBody(event: HttpEvent): boolean {
 *   return typeof event.body === "string" && event.body !== "";
 * }
 * ```
 */
export type HttpEvent =
  | ApiGatewayV1Event
  | ApiGatewayV2Event
  | AlbEvent
  | WebSocketEvent
  | VpcLatticeV1Event
  | VpcLatticeV2Event;

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
export type HttpResult =
  | ApiGatewayV1Result
  | ApiGatewayV2Result
  | AlbResult
  | WebSocketResult
  | VpcLatticeResult;

type _Adapter = SourceAdapter<unknown, unknown>;

const _ADAPTERS: Record<HttpSource, _Adapter> = {
  "api-gateway-v1": apiGatewayV1 as _Adapter,
  "api-gateway-v2": apiGatewayV2 as _Adapter,
  "function-url": apiGatewayV2 as _Adapter,
  "alb": alb as _Adapter,
  "websocket": webSocket as _Adapter,
  "vpc-lattice-v1": vpcLatticeV1 as _Adapter,
  "vpc-lattice-v2": vpcLatticeV2 as _Adapter,
  "pass-through": passThrough,
};

/** The adapter that converts a source's events: function URLs share the 2.0 one. */
export function adapterFor(source: HttpSource): _Adapter {
  const adapter = Object.hasOwn(_ADAPTERS, source)
    ? _ADAPTERS[source]
    : undefined;
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
 * fields, or the detected one, or `"pass-through"` when allowed. Throws a
 * {@linkcode NotHttpEventError} that names the event's top-level keys
 * otherwise.
 */
export function resolveSource(
  event: unknown,
  forced?: HttpSource,
  allowPassThrough = false,
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
  if (allowPassThrough) return "pass-through";
  if (source !== undefined) {
    throw new NotHttpEventError(
      `The event looks like a ${source} event but lacks its required fields (${
        _describe(event)
      })`,
    );
  }
  throw new NotHttpEventError(
    `The event is not an HTTP request from API Gateway, an Application Load Balancer, a function URL or VPC Lattice (${
      _describe(event)
    }). serve() handles HTTP events only; pass it other events with serve(handler, { passThrough: true }), or if this is one, name its source: serve(handler, { source: "api-gateway-v1" })`,
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
  options: ConvertOptions = {},
): Request {
  const source = resolveSource(event, options.source, options.passThrough);
  return adapterFor(source).toRequest(event, options);
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
  options: ConvertOptions = {},
): Promise<HttpResult> {
  const source = resolveSource(event, options.source, options.passThrough);
  return buildResult(adapterFor(source), response, event, options) as Promise<
    HttpResult
  >;
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
