/**
 * The names of the event sources `serve()` knows, and the header and query
 * maps their events carry.
 *
 * @module
 */

/**
 * The event sources the adapter knows:
 *
 * - `"api-gateway-v1"`: API Gateway REST APIs, and HTTP APIs with payload
 *   format 1.0;
 * - `"api-gateway-v2"`: API Gateway HTTP APIs with payload format 2.0;
 * - `"function-url"`: Lambda function URLs (the 2.0 shape);
 * - `"alb"`: Application Load Balancer targets, with or without multi-value
 *   headers;
 * - `"websocket"`: API Gateway WebSocket APIs (`$connect`, `$disconnect`,
 *   messages);
 * - `"vpc-lattice-v1"`, `"vpc-lattice-v2"`: VPC Lattice targets, event
 *   structure 1.0 and 2.0;
 * - `"pass-through"`: any other event, when `passThrough` is on.
 *
 * @example
 * ```ts
 * import type { HttpSource } from "@rtl/lambda/http";
 *
 * const source: HttpSource = "function-url";
 * ```
 */
export type HttpSource =
  | "api-gateway-v1"
  | "api-gateway-v2"
  | "function-url"
  | "alb"
  | "websocket"
  | "vpc-lattice-v1"
  | "vpc-lattice-v2"
  | "pass-through";

/**
 * A header or query map as events carry it: one value per name.
 *
 * @example
 * ```ts
 * import type { SingleValueMap } from "@rtl/lambda/http";
 *
 * const headers: SingleValueMap = { host: "example.com" };
 * ```
 */
export type SingleValueMap = Record<string, string | undefined>;

/**
 * A header or query map as events carry it: every value per name.
 *
 * @example
 * ```ts
 * import type { MultiValueMap } from "@rtl/lambda/http";
 *
 * const query: MultiValueMap = { tag: ["a", "b"] };
 * ```
 */
export type MultiValueMap = Record<string, string[] | undefined>;

/**
 * What a WebSocket handler sees in `info.webSocket`.
 *
 * @example
 * ```ts
 * import type { HttpHandler } from "@rtl/lambda/http";
 *
 * const handler: HttpHandler = (_request, info) =>
 *   new Response(info.webSocket?.eventType === "CONNECT" ? null : "ack");
 * ```
 */
export interface WebSocketInfo {
  /** The route that matched: `$connect`, `$disconnect`, `$default` or a custom route. */
  readonly routeKey: string;
  /** `CONNECT`, `MESSAGE` or `DISCONNECT`. */
  readonly eventType: "CONNECT" | "MESSAGE" | "DISCONNECT";
  /** The connection, for the management API's `@connections/{connectionId}`. */
  readonly connectionId: string;
  /**
   * The management API's endpoint (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`):
   * POST to `{endpoint}/@connections/{connectionId}` to send to the client.
   */
  readonly managementEndpoint: string | undefined;
  /** The message's id (`MESSAGE` only). */
  readonly messageId?: string;
  /** The close status code (`DISCONNECT` only). */
  readonly disconnectStatusCode?: number;
  /** The close reason (`DISCONNECT` only). */
  readonly disconnectReason?: string;
}
