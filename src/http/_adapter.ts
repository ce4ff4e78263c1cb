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
import type { ConvertOptions } from "./options.ts";

/** Options for turning an event into a `Request`. */
export type ToRequestOptions = Pick<
  ConvertOptions,
  "stage" | "basePath" | "signal"
>;

/** Options for turning a `Response` into a result. */
export type ToResultOptions = Pick<ConvertOptions, "isBinary" | "warn">;

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
