/**
 * Which front door sent an event, told from the event's shape, leniently:
 * console test events lack `version` or `requestContext`.
 *
 * @module
 */

import type { HttpSource } from "./source.ts";

/**
 * The source of an event, or `undefined` when it is not an HTTP event:
 * `requestContext.elb` is an ALB; `requestContext.connectionId` with a
 * `routeKey` a WebSocket API (even when the event also carries `httpMethod`,
 * as some `$connect` events do); `method` with `raw_path` VPC Lattice 1.0,
 * with `path` VPC Lattice 2.0; `httpMethod` payload format 1.0, unless it is
 * a Bedrock agent's action group call; `rawPath` or `requestContext.http`
 * payload format 2.0 (a function URL on a `lambda-url` domain).
 */
export function detectSource(event: unknown): HttpSource | undefined {
  if (!isObject(event) || isBedrockAgentEvent(event)) return undefined;
  const context = isObject(event.requestContext)
    ? event.requestContext
    : undefined;
  if (context && isObject(context.elb)) return "alb";
  if (
    context && typeof context.connectionId === "string" &&
    (typeof context.routeKey === "string" ||
      typeof event.httpMethod !== "string")
  ) return "websocket";
  if (typeof event.method === "string") {
    if (typeof event.raw_path === "string") return "vpc-lattice-v1";
    if (typeof event.path === "string") return "vpc-lattice-v2";
  }
  if (typeof event.httpMethod === "string") return "api-gateway-v1";
  if ("rawPath" in event || (context && isObject(context.http))) {
    const domain = context?.domainName ?? _header(event.headers, "host");
    return typeof domain === "string" && domain.includes(".lambda-url.")
      ? "function-url"
      : "api-gateway-v2";
  }
  return undefined;
}

/**
 * Whether an event is a Bedrock agent's action group call: it carries
 * `httpMethod` and `apiPath`, but it is not an HTTP request.
 */
export function isBedrockAgentEvent(event: Record<string, unknown>): boolean {
  return typeof event.messageVersion === "string" && isObject(event.agent) &&
    typeof event.actionGroup === "string";
}

/** Whether a value is a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function _header(headers: unknown, name: string): unknown {
  return isObject(headers) ? headers[name] : undefined;
}
