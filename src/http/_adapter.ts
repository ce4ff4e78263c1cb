/**
 * The seam between an event source and web `Request`/`Response`: what each
 * source supplies (its shape check, its request parts, its result layout);
 * the rest is shared.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import type { EncodedBody } from "./_body.ts";
import type { ResponseHead } from "./_headers.ts";
import type { WebSocketInfo } from "./source.ts";

/** Options for turning an event into a `Request`. */
export interface ToRequestOptions {
  /** `"strip"` (default) gives the path the routes were written for; `"keep"` the one the client typed. */
  stage?: "strip" | "keep";
  /** A prefix removed from the path, such as a custom domain's base path mapping. */
  basePath?: string;
  /** Becomes the request's `signal`. */
  signal?: AbortSignal;
}

/** Options for turning a `Response` into a result. */
export interface ToResultOptions {
  /** Whether the body goes back base64-encoded; `isBinaryResponse` when absent. */
  isBinary?: (headers: Headers) => boolean;
  /** Told when something in the response cannot be expressed to the source (dropped cookies). */
  warn?: (message: string) => void;
}

/** What a source adds to the handler's `info` beside the common fields. */
export interface SourceInfo {
  /** The WebSocket connection and route, for WebSocket events. */
  webSocket?: WebSocketInfo;
}

/** One source family: only what differs between sources. */
export interface SourceAdapter<Event, Result> {
  /** Whether the value has the fields this adapter needs. */
  accepts(event: unknown): event is Event;
  /** The request method, upper-case. */
  method(event: Event): string;
  /** The client's address as the source reports it. */
  sourceIp(event: Event): string | undefined;
  /** Builds the web `Request`; throws an `HttpRequestError` when it cannot. */
  toRequest(event: Event, options: ToRequestOptions): Request;
  /** Lays the shared head and encoded body out in the source's result shape. */
  layout(
    head: ResponseHead,
    body: EncodedBody,
    event: Event,
    options: ToResultOptions,
  ): Result;
  /** Source-specific additions to the handler's `info`. */
  info?(event: Event, context: Context): SourceInfo;
}
