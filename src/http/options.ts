/**
 * The options every HTTP entry shares (how an event becomes a request and
 * a response becomes a result), and those of `toRequest`/`toResult`.
 *
 * @module
 */

import type { HttpSource } from "./source.ts";

/**
 * How an event is read and a result is written: the fields
 * `HttpOptions`, `ServeOptions` and {@linkcode ConvertOptions} share.
 *
 * @example
 * ```ts
 * import type { HttpEventOptions } from "@rtl/lambda/http";
 *
 * const options: HttpEventOptions = { source: "alb", basePath: "/api" };
 * ```
 */
export interface HttpEventOptions {
  /** The event's source; detected from each event's shape when absent. */
  source?: HttpSource;
  /**
   * What to do with an API Gateway stage in the path. `"strip"` (the
   * default) gives the path the routes were written for; `"keep"` gives the
   * path the client requested, stage included.
   */
  stage?: "strip" | "keep";
  /** A prefix removed from the path, such as a custom domain's base path mapping. */
  basePath?: string;
  /**
   * Whether a response body goes back base64-encoded; by default when it has
   * a `Content-Encoding`, no `Content-Type`, or a type that is not text.
   */
  isBinary?: (headers: Headers) => boolean;
  /**
   * Serve events from no HTTP source too (SQS, EventBridge, direct
   * invokes): each is a `POST /` with the event as its JSON body, and the
   * response's body (parsed when JSON) is the invocation's result; a `5xx`
   * fails the invocation. Off by default.
   */
  passThrough?: boolean;
}

/**
 * Options of `toRequest` and `toResult`: the shared ones, the request's
 * signal and where conversion warnings go.
 *
 * @example
 * ```ts
 * import type { ConvertOptions } from "@rtl/lambda/http";
 *
 * const options: ConvertOptions = { source: "alb", basePath: "/api" };
 * ```
 */
export interface ConvertOptions extends HttpEventOptions {
  /** Becomes the request's `signal`. */
  signal?: AbortSignal;
  /** Told when something in the response cannot be expressed to the source (dropped cookies). */
  warn?: (message: string) => void;
}
