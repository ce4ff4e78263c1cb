/**
 * API Gateway payload format 1.0: REST APIs, and HTTP APIs whose
 * integration uses `payloadFormatVersion: "1.0"`.
 *
 * @module
 */

import type { SourceAdapter } from "./_adapter.ts";
import { decodeRequestBody, type EncodedBody } from "./_body.ts";
import { isBedrockAgentEvent, isObject } from "./_detect.ts";
import {
  firstHeaderValue,
  requestHeaders,
  type ResponseHead,
} from "./_headers.ts";
import { buildRequest } from "./_request.ts";
import {
  encodeQuery,
  requestUrl,
  stageInPath,
  stripPathPrefix,
} from "./_url.ts";
import type { MultiValueMap, SingleValueMap } from "./source.ts";

/**
 * The request context of a 1.0 event (the fields the adapter reads; API
 * Gateway sends many more, all kept on the raw event).
 *
 * @example
 * ```ts
 * import type { ApiGatewayV1RequestContext } from "@rtl/lambda/http";
 *
 * const context: ApiGatewayV1RequestContext = {
 *   stage: "prod",
 *   path: "/prod/hello",
 *   identity: { sourceIp: "203.0.113.7" },
 * };
 * ```
 */
export interface ApiGatewayV1RequestContext {
  /** The deployment stage. */
  stage?: string;
  /** The path as the client requested it, stage included on the default domain. */
  path?: string;
  /** The API's domain name. */
  domainName?: string;
  /** The API Gateway request id. */
  requestId?: string;
  /** The caller. */
  identity?: { sourceIp?: string; userAgent?: string; [key: string]: unknown };
  /** Authorizer output, and anything else API Gateway adds. */
  [key: string]: unknown;
}

/**
 * An API Gateway payload format 1.0 event.
 *
 * @example
 * ```ts
 * import type { ApiGatewayV1Event } from "@rtl/lambda/http";
 *
 * const event: ApiGatewayV1Event = {
 *   resource: "/{proxy+}",
 *   path: "/hello",
 *   httpMethod: "GET",
 *   headers: { Host: "abc123.execute-api.us-east-1.amazonaws.com" },
 *   multiValueQueryStringParameters: { name: ["Ada"] },
 *   requestContext: { stage: "prod" },
 *   body: null,
 *   isBase64Encoded: false,
 * };
 * ```
 */
export interface ApiGatewayV1Event {
  /** `"1.0"` from HTTP APIs; absent from REST APIs. */
  version?: string;
  /** The resource path template, e.g. `/{proxy+}`. */
  resource?: string;
  /** The path, without the stage on REST APIs; `requestContext.path`, then `/`, when absent. */
  path?: string;
  /** The method. */
  httpMethod: string;
  /** Headers, the last value of each. */
  headers?: SingleValueMap | null;
  /** Headers, every value. */
  multiValueHeaders?: MultiValueMap | null;
  /** Query parameters (decoded), the last value of each. */
  queryStringParameters?: SingleValueMap | null;
  /** Query parameters (decoded), every value. */
  multiValueQueryStringParameters?: MultiValueMap | null;
  /** Path parameters. */
  pathParameters?: SingleValueMap | null;
  /** Stage variables. */
  stageVariables?: SingleValueMap | null;
  /** The request context; console test events may lack it. */
  requestContext?: ApiGatewayV1RequestContext;
  /** The body, text or base64. */
  body?: string | null;
  /** Whether `body` is base64. */
  isBase64Encoded?: boolean;
}

/**
 * The result API Gateway expects for payload format 1.0. `Set-Cookie`
 * values go in `multiValueHeaders`, which both REST and HTTP APIs accept in
 * 1.0 results whatever the event carried.
 *
 * @example
 * ```ts
 * import type { ApiGatewayV1Result } from "@rtl/lambda/http";
 *
 * const result: ApiGatewayV1Result = {
 *   statusCode: 200,
 *   headers: { "content-type": "text/plain;charset=UTF-8" },
 *   multiValueHeaders: { "set-cookie": ["a=1", "b=2"] },
 *   body: "hello",
 *   isBase64Encoded: false,
 * };
 * ```
 */
export interface ApiGatewayV1Result {
  /** The status. */
  statusCode: number;
  /** Every header but `Set-Cookie`. */
  headers: Record<string, string>;
  /** `set-cookie`, when the response sets cookies. */
  multiValueHeaders?: Record<string, string[]>;
  /** The body, text or base64. */
  body: string;
  /** Whether `body` is base64. */
  isBase64Encoded: boolean;
}

/** The adapter for payload format 1.0 events. */
export const apiGatewayV1: SourceAdapter<
  ApiGatewayV1Event,
  ApiGatewayV1Result
> = {
  accepts(event: unknown): event is ApiGatewayV1Event {
    return isObject(event) && typeof event.httpMethod === "string" &&
      !isBedrockAgentEvent(event) &&
      (event.requestContext === undefined || event.requestContext === null ||
        isObject(event.requestContext));
  },

  method: _method,

  sourceIp(event: ApiGatewayV1Event): string | undefined {
    return event.requestContext?.identity?.sourceIp ?? undefined;
  },

  toRequest(event, options): Request {
    const method = _method(event);
    const context: ApiGatewayV1RequestContext = event.requestContext ?? {};
    const headers = requestHeaders(event.headers, event.multiValueHeaders);
    const host = headers.get("host") ?? context.domainName ?? "localhost";
    const scheme = firstHeaderValue(headers.get("x-forwarded-proto")) ??
      "https";
    const named = context.stage !== undefined && context.stage !== "" &&
      context.stage !== "$default" && stageInPath(context.domainName);
    let path = event.path ?? context.path ?? "/";
    if (options.stage === "keep") {
      path = context.path ?? path;
      // Many REST events (and AWS's samples) leave the stage out of requestContext.path too.
      if (named && stripPathPrefix(path, context.stage!) === path) {
        path = `/${context.stage}${path === "/" ? "" : path}`;
      }
    } else if (event.version === "1.0" && named) {
      // HTTP APIs keep a named stage in `path`; REST APIs have removed it already.
      path = stripPathPrefix(path, context.stage!);
    }
    if (options.basePath) path = stripPathPrefix(path, options.basePath);
    return buildRequest({
      method,
      url: requestUrl(
        scheme,
        host,
        path,
        encodeQuery(
          event.multiValueQueryStringParameters,
          event.queryStringParameters,
        ),
      ),
      headers,
      body: decodeRequestBody(event.body, event.isBase64Encoded, method),
      signal: options.signal,
    });
  },

  layout: (head, body) => restResult(head, body),
};

/** The REST API's result shape (WebSocket routes answer in it too): cookies as multi-value `set-cookie`. */
export function restResult(
  head: ResponseHead,
  body: EncodedBody,
): ApiGatewayV1Result {
  const result: ApiGatewayV1Result = {
    statusCode: head.statusCode,
    headers: head.headers,
    ...body,
  };
  if (head.cookies.length > 0) {
    result.multiValueHeaders = { "set-cookie": head.cookies };
  }
  return result;
}

function _method(event: ApiGatewayV1Event): string {
  return event.httpMethod.toUpperCase();
}
