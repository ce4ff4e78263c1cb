/**
 * The seam between an event source and web `Request`/`Response`: one
 * adapter per source family, and the options every conversion takes.
 *
 * @module
 */

import type { BinaryDecision } from "./body.ts";

/**
 * Options for turning an event into a `Request`.
 *
 * @example
 * ```ts
 * import type { ToRequestOptions } from "@rtl/lambda/http";
 *
 * const options: ToRequestOptions = { basePath: "/api" };
 * ```
 */
export interface ToRequestOptions {
  /**
   * What to do with an API Gateway stage in the path. `"strip"` (the
   * default) gives the path the routes were written for: REST APIs already
   * leave the stage out of `path`, and for HTTP APIs a leading
   * `/{stage}` is removed when the stage is not `$default`. `"keep"` gives
   * the path the client requested, stage included.
   */
  stage?: "strip" | "keep";
  /** A prefix removed from the path, such as a custom domain's base path mapping. */
  basePath?: string;
  /** Becomes the request's `signal`; `serve()` passes the invocation's deadline signal. */
  signal?: AbortSignal;
}

/**
 * Options for turning a `Response` into a result.
 *
 * @example
 * ```ts
 * import type { ToResultOptions } from "@rtl/lambda/http";
 *
 * const options: ToResultOptions = {
 *   isBinary: (headers) => !headers.get("content-type")?.startsWith("text/"),
 * };
 * ```
 */
export interface ToResultOptions {
  /** Whether the body goes back base64-encoded; {@linkcode isBinaryResponse} when absent. */
  isBinary?: BinaryDecision;
  /** Told when something in the response cannot be expressed to the source (dropped cookies). */
  warn?: (message: string) => void;
}

/**
 * Converts one source family's events and results. The adapter knows the
 * source's event shape; {@linkcode toRequest} and {@linkcode toResult} pick
 * the adapter for an event.
 *
 * @example Converting by hand
 * ```ts
 * import { apiGatewayV2 } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * const event = {
 *   version: "2.0",
 *   rawPath: "/hello",
 *   rawQueryString: "name=Ada",
 *   headers: { host: "example.com" },
 *   requestContext: { http: { method: "GET", sourceIp: "203.0.113.7" }, stage: "$default" },
 *   isBase64Encoded: false,
 * };
 * assert.ok(apiGatewayV2.accepts(event));
 * const request = apiGatewayV2.toRequest(event, {});
 * assert.equal(request.url, "https://example.com/hello?name=Ada");
 * const result = await apiGatewayV2.toResult(new Response("hi"), event, {});
 * assert.equal(result.body, "hi");
 * ```
 */
export interface HttpSourceAdapter<Event, Result> {
  /** Whether the value has the fields this adapter needs. */
  accepts(event: unknown): event is Event;
  /** The request method, upper-case. */
  method(event: Event): string;
  /** The client's address as the source reports it. */
  sourceIp(event: Event): string | undefined;
  /** Builds the web `Request`; throws an `HttpRequestError` when it cannot. */
  toRequest(event: Event, options: ToRequestOptions): Request;
  /** Builds the result the source expects; reads the whole body. */
  toResult(
    response: Response,
    event: Event,
    options: ToResultOptions,
  ): Promise<Result>;
}
