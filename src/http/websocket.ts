/**
 * API Gateway WebSocket APIs: `$connect`, `$disconnect` and each message
 * reach the handler as requests to `/{routeKey}`, the connection in
 * `info.webSocket`.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import type { SourceAdapter } from "./_adapter.ts";
import { decodeRequestBody } from "./_body.ts";
import { isObject } from "./_detect.ts";
import { requestHeaders } from "./_headers.ts";
import { buildRequest } from "./_request.ts";
import { encodeQuery, requestUrl, stageInPath } from "./_url.ts";
import { type ApiGatewayV1Result, restResult } from "./api_gateway_v1.ts";
import type { MultiValueMap, SingleValueMap, WebSocketInfo } from "./source.ts";

/**
 * A WebSocket API event: the handshake's headers and query on `$connect`,
 * the message's body otherwise.
 *
 * @example
 * ```ts
 * import type { WebSocketEvent } from "@rtl/lambda/http";
 *
 * const event: WebSocketEvent = {
 *   requestContext: {
 *     routeKey: "sendmessage",
 *     eventType: "MESSAGE",
 *     connectionId: "L0SM9cOFvHcCIhw=",
 *     domainName: "abcdef123.execute-api.us-east-1.amazonaws.com",
 *     stage: "prod",
 *     apiId: "abcdef123",
 *   },
 *   body: '{"action":"sendmessage","text":"hi"}',
 *   isBase64Encoded: false,
 * };
 * ```
 */
export interface WebSocketEvent {
  /** The connection, the route and the event type. */
  requestContext: {
    routeKey: string;
    eventType?: "CONNECT" | "MESSAGE" | "DISCONNECT";
    connectionId: string;
    domainName?: string;
    stage?: string;
    apiId?: string;
    messageId?: string;
    connectedAt?: number;
    disconnectStatusCode?: number;
    disconnectReason?: string;
    identity?: {
      sourceIp?: string;
      userAgent?: string;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** The handshake's headers (`$connect` only). */
  headers?: SingleValueMap | null;
  /** The handshake's headers, every value (`$connect` only). */
  multiValueHeaders?: MultiValueMap | null;
  /** The handshake's query (decoded; `$connect` only). */
  queryStringParameters?: SingleValueMap | null;
  /** The handshake's query, every value. */
  multiValueQueryStringParameters?: MultiValueMap | null;
  /** The message, text or base64 (a binary frame). */
  body?: string | null;
  /** Whether `body` is base64. */
  isBase64Encoded?: boolean;
}

/**
 * The result a WebSocket route expects: on `$connect` a status other than
 * 2xx refuses the connection (headers such as `Sec-WebSocket-Protocol` are
 * sent with the handshake); on a route with a route response, the body is
 * sent to the client.
 *
 * @example
 * ```ts
 * import type { WebSocketResult } from "@rtl/lambda/http";
 *
 * const result: WebSocketResult = { statusCode: 200, headers: {}, body: "", isBase64Encoded: false };
 * ```
 */
export type WebSocketResult = ApiGatewayV1Result;

/** The adapter for WebSocket events: `$connect` is a `GET`, every other event a `POST`. */
export const webSocket: SourceAdapter<WebSocketEvent, WebSocketResult> = {
  accepts(event: unknown): event is WebSocketEvent {
    return isObject(event) && isObject(event.requestContext) &&
      typeof event.requestContext.connectionId === "string" &&
      typeof event.requestContext.routeKey === "string";
  },

  method(event: WebSocketEvent): string {
    return _eventType(event) === "CONNECT" ? "GET" : "POST";
  },

  sourceIp(event: WebSocketEvent): string | undefined {
    return event.requestContext.identity?.sourceIp ?? undefined;
  },

  toRequest(event, options): Request {
    const method = this.method(event);
    const context = event.requestContext;
    const headers = requestHeaders(event.headers, event.multiValueHeaders);
    const host = headers.get("host") ?? context.domainName ?? "localhost";
    const route = encodeURIComponent(context.routeKey).replaceAll("%24", "$");
    return buildRequest({
      method,
      url: requestUrl(
        "https",
        host,
        `/${route}`,
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

  // API Gateway answers a WebSocket route in the REST API's result shape.
  layout: (head, body) => restResult(head, body),

  info(event, context) {
    const request = event.requestContext;
    const info: WebSocketInfo = {
      routeKey: request.routeKey,
      eventType: _eventType(event),
      connectionId: request.connectionId,
      managementEndpoint: _managementEndpoint(event, context),
      ...(request.messageId !== undefined
        ? { messageId: request.messageId }
        : {}),
      ...(request.disconnectStatusCode !== undefined
        ? { disconnectStatusCode: request.disconnectStatusCode }
        : {}),
      ...(request.disconnectReason !== undefined
        ? { disconnectReason: request.disconnectReason }
        : {}),
    };
    return { webSocket: info };
  },
};

function _eventType(event: WebSocketEvent): WebSocketInfo["eventType"] {
  const { eventType, routeKey } = event.requestContext;
  if (eventType) return eventType;
  if (routeKey === "$connect") return "CONNECT";
  if (routeKey === "$disconnect") return "DISCONNECT";
  return "MESSAGE";
}

function _managementEndpoint(
  event: WebSocketEvent,
  context: Context,
): string | undefined {
  const { domainName, stage, apiId } = event.requestContext;
  const suffix = stage ? `/${stage}` : "";
  if (domainName && stageInPath(domainName)) {
    return `https://${domainName}${suffix}`;
  }
  // A custom domain does not serve @connections: the API's own host does, in the function's region.
  const region = context.invokedFunctionArn?.split(":")[3];
  if (apiId && region) {
    return `https://${apiId}.execute-api.${region}.amazonaws.com${suffix}`;
  }
  return domainName ? `https://${domainName}${suffix}` : undefined;
}
