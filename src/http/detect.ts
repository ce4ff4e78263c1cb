/**
 * Which HTTP front door sent an event, told from the event's shape.
 *
 * @module
 */

/**
 * The HTTP event sources the adapter knows:
 *
 * - `"api-gateway-v1"`: API Gateway REST APIs, and HTTP APIs with payload
 *   format 1.0;
 * - `"api-gateway-v2"`: API Gateway HTTP APIs with payload format 2.0;
 * - `"function-url"`: Lambda function URLs (the 2.0 shape);
 * - `"alb"`: Application Load Balancer targets, with or without multi-value
 *   headers.
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
  | "alb";

/**
 * Tells the source of an event from its shape, or `undefined` when it is
 * not an HTTP event: `requestContext.elb` is an ALB; `version: "2.0"` with
 * `requestContext.http` is an HTTP API or, when the domain is a
 * `lambda-url` one, a function URL; `httpMethod` with a `requestContext` is
 * payload format 1.0.
 *
 * @example
 * ```ts
 * import { detectSource } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   detectSource({
 *     httpMethod: "GET",
 *     path: "/",
 *     requestContext: { elb: { targetGroupArn: "arn:aws:elasticloadbalancing:…" } },
 *   }),
 *   "alb",
 * );
 * assert.equal(detectSource({ Records: [] }), undefined);
 * ```
 */
export function detectSource(event: unknown): HttpSource | undefined {
  if (!_isObject(event)) return undefined;
  const requestContext = event.requestContext;
  if (!_isObject(requestContext)) return undefined;
  if (_isObject(requestContext.elb)) return "alb";
  if (event.version === "2.0" && _isObject(requestContext.http)) {
    const domain = requestContext.domainName;
    return typeof domain === "string" && domain.includes(".lambda-url.")
      ? "function-url"
      : "api-gateway-v2";
  }
  if (typeof event.httpMethod === "string") return "api-gateway-v1";
  return undefined;
}

function _isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
