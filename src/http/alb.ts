/**
 * Application Load Balancer targets, with and without the target group's
 * multi-value headers attribute (`lambda.multi_value_headers.enabled`).
 *
 * @module
 */

import type {
  HttpSourceAdapter,
  ToRequestOptions,
  ToResultOptions,
} from "./adapter.ts";
import {
  decodeRequestBody,
  encodeBody,
  isBinaryResponse,
  readResponseBody,
} from "./body.ts";
import {
  firstHeaderValue,
  lastHeaderValue,
  type MultiValueMap,
  requestHeaders,
  responseHead,
  type SingleValueMap,
} from "./headers.ts";
import { buildRequest } from "./request.ts";
import { statusDescription } from "./status_text.ts";
import { joinRawQuery, requestUrl, stripPathPrefix } from "./url.ts";

/**
 * An Application Load Balancer event. With multi-value headers enabled it
 * carries `multiValueHeaders` and `multiValueQueryStringParameters`,
 * otherwise `headers` and `queryStringParameters` (the last value of each).
 * Query keys and values arrive percent-encoded as the client sent them.
 *
 * @example
 * ```ts
 * import type { AlbEvent } from "@rtl/lambda/http";
 *
 * const event: AlbEvent = {
 *   requestContext: { elb: { targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/6d0ecf831eec9f09" } },
 *   httpMethod: "GET",
 *   path: "/",
 *   queryStringParameters: { q: "caf%C3%A9" },
 *   headers: { host: "web-123.us-east-1.elb.amazonaws.com" },
 *   body: "",
 *   isBase64Encoded: false,
 * };
 * ```
 */
export interface AlbEvent {
  /** The target group the request was routed through. */
  requestContext: { elb: { targetGroupArn?: string; [key: string]: unknown } };
  /** The method. */
  httpMethod: string;
  /** The path as sent. */
  path: string;
  /** Headers (multi-value headers disabled). */
  headers?: SingleValueMap | null;
  /** Headers (multi-value headers enabled). */
  multiValueHeaders?: MultiValueMap | null;
  /** Query parameters, still percent-encoded (multi-value headers disabled). */
  queryStringParameters?: SingleValueMap | null;
  /** Query parameters, still percent-encoded (multi-value headers enabled). */
  multiValueQueryStringParameters?: MultiValueMap | null;
  /** The body, text or base64. */
  body?: string | null;
  /** Whether `body` is base64. */
  isBase64Encoded?: boolean;
}

/**
 * The result an ALB expects: `statusDescription` is the status line
 * (`"200 OK"`), and headers go in `multiValueHeaders` when the event came
 * with multi-value headers, in `headers` otherwise.
 *
 * @example
 * ```ts
 * import type { AlbResult } from "@rtl/lambda/http";
 *
 * const result: AlbResult = {
 *   statusCode: 200,
 *   statusDescription: "200 OK",
 *   multiValueHeaders: { "content-type": ["text/plain"], "set-cookie": ["a=1", "b=2"] },
 *   body: "hello",
 *   isBase64Encoded: false,
 * };
 * ```
 */
export interface AlbResult {
  /** The status. */
  statusCode: number;
  /** The status code and its reason phrase. */
  statusDescription: string;
  /** The headers, without multi-value headers. */
  headers?: Record<string, string>;
  /** The headers, with multi-value headers. */
  multiValueHeaders?: Record<string, string[]>;
  /** The body, text or base64. */
  body: string;
  /** Whether `body` is base64. */
  isBase64Encoded: boolean;
}

/**
 * The adapter for ALB events. Without multi-value headers a result can
 * carry one `Set-Cookie` only: the last one is sent, and the others are
 * reported through `warn` (enable the target group's multi-value headers to
 * send them all). The source IP is the last `X-Forwarded-For` entry, the
 * address the load balancer saw.
 *
 * @example
 * ```ts
 * import { alb } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * const event = {
 *   requestContext: { elb: {} },
 *   httpMethod: "GET",
 *   path: "/search",
 *   multiValueQueryStringParameters: { q: ["caf%C3%A9+au+lait"] },
 *   multiValueHeaders: { host: ["web.example.com"], "x-forwarded-proto": ["https"] },
 * };
 * const request = alb.toRequest(event, {});
 * assert.equal(new URL(request.url).searchParams.get("q"), "café au lait");
 * const result = await alb.toResult(new Response(null, { status: 404 }), event, {});
 * assert.equal(result.statusDescription, "404 Not Found");
 * ```
 */
export const alb: HttpSourceAdapter<AlbEvent, AlbResult> = {
  accepts(event: unknown): event is AlbEvent {
    const value = event as Partial<AlbEvent> | null;
    return typeof value === "object" && value !== null &&
      typeof value.httpMethod === "string" && typeof value.path === "string" &&
      typeof value.requestContext === "object" &&
      value.requestContext !== null &&
      typeof value.requestContext.elb === "object" &&
      value.requestContext.elb !== null;
  },

  method: _method,

  sourceIp(event: AlbEvent): string | undefined {
    const forwarded = event.multiValueHeaders
      ? _lookup(event.multiValueHeaders, "x-forwarded-for")?.join(", ")
      : _lookup(event.headers, "x-forwarded-for");
    return lastHeaderValue(forwarded ?? null);
  },

  toRequest(event: AlbEvent, options: ToRequestOptions): Request {
    const method = _method(event);
    const headers = requestHeaders(event.headers, event.multiValueHeaders);
    const host = headers.get("host") ?? "localhost";
    const scheme = firstHeaderValue(headers.get("x-forwarded-proto")) ??
      "https";
    const path = options.basePath
      ? stripPathPrefix(event.path, options.basePath)
      : event.path;
    return buildRequest({
      method,
      url: requestUrl(
        scheme,
        host,
        path,
        joinRawQuery(
          event.multiValueQueryStringParameters,
          event.queryStringParameters,
        ),
      ),
      headers,
      body: decodeRequestBody(event.body, event.isBase64Encoded, method),
      signal: options.signal,
    });
  },

  async toResult(
    response: Response,
    event: AlbEvent,
    options: ToResultOptions,
  ): Promise<AlbResult> {
    const head = responseHead(response);
    const bytes = await readResponseBody(response, _method(event));
    const { body, isBase64Encoded } = encodeBody(
      bytes,
      (options.isBinary ?? isBinaryResponse)(response.headers),
    );
    const result: AlbResult = {
      statusCode: head.statusCode,
      statusDescription: statusDescription(
        head.statusCode,
        response.statusText,
      ),
      body,
      isBase64Encoded,
    };
    if (event.multiValueHeaders) {
      const multi: Record<string, string[]> = {};
      for (const name in head.headers) multi[name] = [head.headers[name]];
      if (head.cookies.length > 0) multi["set-cookie"] = head.cookies;
      result.multiValueHeaders = multi;
    } else {
      const headers = head.headers;
      if (head.cookies.length > 0) {
        headers["set-cookie"] = head.cookies[head.cookies.length - 1];
        if (head.cookies.length > 1) {
          options.warn?.(
            `The response sets ${head.cookies.length} cookies, but this ALB target group does not have multi-value headers enabled, so only the last one was sent; enable lambda.multi_value_headers.enabled to send them all`,
          );
        }
      }
      result.headers = headers;
    }
    return result;
  },
};

function _method(event: AlbEvent): string {
  return event.httpMethod.toUpperCase();
}

function _lookup<T>(
  map: Record<string, T | undefined> | null | undefined,
  lowerName: string,
): T | undefined {
  if (!map) return undefined;
  for (const name in map) {
    if (name.toLowerCase() === lowerName) return map[name];
  }
  return undefined;
}
