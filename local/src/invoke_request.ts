/**
 * One invocation request as a typed value: the Invoke API's headers
 * (`X-Amz-Invocation-Type`, `X-Amz-Log-Type`, `X-Amz-Client-Context`,
 * `X-Amz-Tenant-Id`, `X-Amzn-Trace-Id`) are read here and nowhere else.
 *
 * @module
 */

import { fromBase64 } from "./runtime_api_server.ts";

/** How the caller waits: for the outcome, not at all (`Event`), or only for validation (`DryRun`). */
export type InvocationType = "RequestResponse" | "Event" | "DryRun";

/** One accepted invocation request, its headers read. */
export interface InvokeRequest {
  /** The payload the function receives. */
  readonly event: Uint8Array;
  /** `RequestResponse` waits for the outcome; `Event` is answered 202 at once. */
  readonly type: InvocationType;
  /** `Tail`: the invocation's last 4 KB of log come back with the answer. */
  readonly logType: "None" | "Tail";
  /** The decoded client context (`Lambda-Runtime-Client-Context`), when one was sent. */
  readonly clientContext: string | undefined;
  /** The tenant id (`Lambda-Runtime-Aws-Tenant-Id`), when one was sent. */
  readonly tenantId: string | undefined;
  /** The X-Ray trace header: the caller's, or a new unsampled one. */
  readonly traceId: string;
  /** The request id, when the caller makes it (a function URL's event carries it). */
  readonly id?: string;
}

/**
 * Reads an invocation request's headers into one typed value.
 *
 * @example
 * ```ts
 * import { parseInvokeRequest } from "./invoke_request.ts";
 * import assert from "node:assert/strict";
 *
 * const request = parseInvokeRequest(
 *   new Uint8Array(),
 *   new Headers({ "x-amz-invocation-type": "Event", "x-amz-log-type": "tail" }),
 * );
 * assert.equal(request.type, "Event");
 * assert.equal(request.logType, "Tail");
 * ```
 */
export function parseInvokeRequest(
  event: Uint8Array,
  headers: Headers,
  id?: string,
): InvokeRequest {
  const type = headers.get("x-amz-invocation-type");
  const context = headers.get("x-amz-client-context");
  return {
    event,
    // Anything else is treated as Lambda's default.
    type: type === "Event" || type === "DryRun" ? type : "RequestResponse",
    logType: headers.get("x-amz-log-type")?.toLowerCase() === "tail"
      ? "Tail"
      : "None",
    clientContext: context === null ? undefined : fromBase64(context),
    tenantId: headers.get("x-amz-tenant-id") ?? undefined,
    traceId: headers.get("x-amzn-trace-id") ?? _traceId(),
    ...(id === undefined ? {} : { id }),
  };
}

function _traceId(): string {
  const hex = (bytes: number) =>
    Array.from(
      crypto.getRandomValues(new Uint8Array(bytes)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${hex(12)};Parent=${hex(8)};Sampled=0`;
}
