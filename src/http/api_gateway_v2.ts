/**
 * API Gateway payload format 2.0: HTTP APIs, and Lambda function URLs,
 * which send and expect the same shape.
 *
 * @module
 */

import type { SourceAdapter } from "./_adapter.ts";
import { decodeRequestBody } from "./_body.ts";
import { isObject } from "./_detect.ts";
import {
  firstHeaderValue,
  percentEncodeNonAscii,
  requestHeaders,
} from "./_headers.ts";
import { buildRequest } from "./_request.ts";
import {
  encodeQuery,
  requestUrl,
  stageInPath,
  stripPathPrefix,
} from "./_url.ts";
import type { SingleValueMap } from "./source.ts";

/**
 * The request context of a 2.0 event (the fields the adapter reads; the
 * rest, such as `authorizer`, stays on the raw event).
 *
 * @example
 * ```ts
 * import type { ApiGatewayV2RequestContext } from "@rtl/lambda/http";
 *
 * const context: ApiGatewayV2RequestContext = {
 *   domainName: "abc123.lambda-url.us-east-1.on.aws",
 *   http: { method: "GET", path: "/", sourceIp: "203.0.113.7" },
 *   stage: "$default",
 * };
 * ```
 */
export interface ApiGatewayV2RequestContext {
  /** The HTTP request. */
  http?: {
    method?: string;
    path?: string;
    protocol?: string;
    sourceIp?: string;
    userAgent?: string;
  };
  /** The API's (or function URL's) domain name. */
  domainName?: string;
  /** The stage; `$default` for function URLs. */
  stage?: string;
  /** The request id. */
  requestId?: string;
  /** Authorizer output, and anything else the source adds. */
  [key: string]: unknown;
}

/**
 * A payload format 2.0 event, from an HTTP API or a function URL.
 *
 * @example
 * ```ts
 * import type { ApiGatewayV2Event } from "@rtl/lambda/http";
 *
 * const event: ApiGatewayV2Event = {
 *   version: "2.0",
 *   rawPath: "/hello",
 *   rawQueryString: "name=Ada",
 *   cookies: ["theme=dark"],
 *   headers: { host: "abc123.lambda-url.us-east-1.on.aws" },
 *   requestContext: { http: { method: "GET" } },
 *   isBase64Encoded: false,
 * };
 * ```
 */
export interface ApiGatewayV2Event {
  /** `"2.0"`; console test events may lack it. */
  version?: string;
  /** The route that matched; `$default` for function URLs. */
  routeKey?: string;
  /** The path as sent; `requestContext.http.path`, then `/`, when absent. */
  rawPath?: string;
  /** The query string as sent, without `?`; rebuilt from `queryStringParameters` when absent. */
  rawQueryString?: string;
  /** Each cookie of the request (`name=value`). */
  cookies?: string[];
  /** Headers, lower-case names, repeated ones joined with commas. */
  headers?: SingleValueMap | null;
  /** Query parameters, repeated ones joined with commas. */
  queryStringParameters?: SingleValueMap | null;
  /** Path parameters. */
  pathParameters?: SingleValueMap | null;
  /** Stage variables. */
  stageVariables?: SingleValueMap | null;
  /** The request context; console test events may lack it (the method is then `GET`). */
  requestContext?: ApiGatewayV2RequestContext;
  /** The body, text or base64. */
  body?: string | null;
  /** Whether `body` is base64. */
  isBase64Encoded?: boolean;
}

/**
 * The result payload format 2.0 expects. `Set-Cookie` values go in
 * `cookies`: the source turns each into its own header.
 *
 * @example
 * ```ts
 * import type { ApiGatewayV2Result } from "@rtl/lambda/http";
 *
 * const result: ApiGatewayV2Result = {
 *   statusCode: 200,
 *   headers: { "content-type": "application/json" },
 *   cookies: ["session=abc; HttpOnly"],
 *   body: '{"ok":true}',
 *   isBase64Encoded: false,
 * };
 * ```
 */
export interface ApiGatewayV2Result {
  /** The status. */
  statusCode: number;
  /** Every header but `Set-Cookie`. */
  headers: Record<string, string>;
  /** Each `Set-Cookie` value, when the response sets cookies. */
  cookies?: string[];
  /** The body, text or base64. */
  body: string;
  /** Whether `body` is base64. */
  isBase64Encoded: boolean;
}

/** The adapter for payload format 2.0 events (HTTP APIs and function URLs). */
export const apiGatewayV2: SourceAdapter<
  ApiGatewayV2Event,
  ApiGatewayV2Result
> = {
  accepts(event: unknown): event is ApiGatewayV2Event {
    if (!isObject(event)) return false;
    const context = event.requestContext;
    if (context === undefined || context === null) {
      return typeof event.rawPath === "string";
    }
    if (!isObject(context)) return false;
    const http = context.http;
    if (http !== undefined && !isObject(http)) return false;
    if (event.rawPath !== undefined) return typeof event.rawPath === "string";
    return http !== undefined &&
      (typeof http.path === "string" || typeof http.method === "string");
  },

  method: _method,

  sourceIp(event: ApiGatewayV2Event): string | undefined {
    return event.requestContext?.http?.sourceIp ?? undefined;
  },

  toRequest(event, options): Request {
    const method = _method(event);
    const context: Partial<ApiGatewayV2RequestContext> = event.requestContext ??
      {};
    const headers = requestHeaders(event.headers, undefined);
    if (event.cookies && event.cookies.length > 0) {
      headers.set("cookie", percentEncodeNonAscii(event.cookies.join("; ")));
    }
    const host = headers.get("host") ?? context.domainName ?? "localhost";
    const scheme = firstHeaderValue(headers.get("x-forwarded-proto")) ??
      "https";
    let path = event.rawPath ?? context.http?.path ?? "/";
    if (
      options.stage !== "keep" && context.stage &&
      context.stage !== "$default" && stageInPath(context.domainName)
    ) {
      path = stripPathPrefix(path, context.stage);
    }
    if (options.basePath) path = stripPathPrefix(path, options.basePath);
    const query = event.rawQueryString ??
      encodeQuery(undefined, event.queryStringParameters);
    return buildRequest({
      method,
      url: requestUrl(scheme, host, path, query),
      headers,
      body: decodeRequestBody(event.body, event.isBase64Encoded, method),
      signal: options.signal,
    });
  },

  layout(head, body): ApiGatewayV2Result {
    const result: ApiGatewayV2Result = {
      statusCode: head.statusCode,
      headers: head.headers,
      ...body,
    };
    if (head.cookies.length > 0) result.cookies = head.cookies;
    return result;
  },
};

function _method(event: ApiGatewayV2Event): string {
  return (event.requestContext?.http?.method ?? "GET").toUpperCase();
}
