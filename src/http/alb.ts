/**
 * Application Load Balancer targets, with and without the target group's
 * multi-value headers attribute (`lambda.multi_value_headers.enabled`).
 *
 * @module
 */

import type { SourceAdapter } from "./_adapter.ts";
import { decodeRequestBody } from "./_body.ts";
import { isObject } from "./_detect.ts";
import {
  firstHeaderValue,
  lastHeaderValue,
  requestHeaders,
} from "./_headers.ts";
import { buildRequest } from "./_request.ts";
import { singleCookie } from "./_result.ts";
import { statusDescription } from "./_status_text.ts";
import { joinRawQuery, requestUrl, stripPathPrefix } from "./_url.ts";
import type { MultiValueMap, SingleValueMap } from "./source.ts";

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
 * The adapter for ALB events. Without multi-value headers a result carries
 * one `Set-Cookie`: the first is sent and the others named through `warn`.
 * The source IP is the last `X-Forwarded-For` entry, the address the load
 * balancer saw.
 */
export const alb: SourceAdapter<AlbEvent, AlbResult> = {
  accepts(event: unknown): event is AlbEvent {
    return isObject(event) && typeof event.httpMethod === "string" &&
      typeof event.path === "string" && isObject(event.requestContext) &&
      isObject(event.requestContext.elb);
  },

  method: _method,

  sourceIp(event: AlbEvent): string | undefined {
    const forwarded = event.multiValueHeaders
      ? _lookup(event.multiValueHeaders, "x-forwarded-for")?.join(", ")
      : _lookup(event.headers, "x-forwarded-for");
    return lastHeaderValue(forwarded ?? null);
  },

  toRequest(event, options): Request {
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

  layout(head, body, event, options): AlbResult {
    const result: AlbResult = {
      statusCode: head.statusCode,
      statusDescription: statusDescription(head.statusCode, head.statusText),
      ...body,
    };
    if (event.multiValueHeaders) {
      const multi: Record<string, string[]> = {};
      for (const name in head.headers) multi[name] = [head.headers[name]];
      if (head.cookies.length > 0) multi["set-cookie"] = head.cookies;
      result.multiValueHeaders = multi;
    } else {
      const cookie = singleCookie(
        head.cookies,
        "an ALB target group without multi-value headers (enable lambda.multi_value_headers.enabled to send them all)",
        options,
      );
      if (cookie !== undefined) head.headers["set-cookie"] = cookie;
      result.headers = head.headers;
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
