/**
 * The durable API (Lambda 2025-12-01) as `deno task invoke` calls it on a
 * local Lambda: a callback's result, failure or heartbeat, and an
 * execution's history, one page at a time. Unsigned, as the invoke is: the
 * local control plane checks no signature.
 *
 * @module
 */

import { InvokeError } from "./invoke.ts";

/** A callback's failure, as SendDurableExecutionCallbackFailure takes it. */
export interface CallbackError {
  /** The error's type. */
  ErrorType: string;
  /** The error's message. */
  ErrorMessage: string;
  /** Data to pass along, when given. */
  ErrorData?: string;
}

/** One history event: its type, id, operation and the details Lambda names after the type. */
export type HistoryEvent = Record<string, unknown> & {
  EventType: string;
  EventId: number;
  Id?: string;
  Name?: string;
  EventTimestamp?: number | string;
};

/** One page of GetDurableExecutionHistory. */
export interface HistoryPage {
  /** The events, oldest first. */
  Events: HistoryEvent[];
  /** The next page's marker, when there is one. */
  NextMarker?: string;
}

const _CALLBACKS = "/2025-12-01/durable-execution-callbacks";
const _EXECUTIONS = "/2025-12-01/durable-executions";

/** SendDurableExecutionCallbackSuccess: `result` (bytes as given) completes callback `id`. */
export async function sendCallbackSuccess(
  url: string,
  id: string,
  result: Uint8Array,
): Promise<void> {
  await _call(url, `${_CALLBACKS}/${encodeURIComponent(id)}/succeed`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: result as BodyInit,
  });
}

/** SendDurableExecutionCallbackFailure: callback `id` fails with `error`. */
export async function sendCallbackFailure(
  url: string,
  id: string,
  error: CallbackError,
): Promise<void> {
  await _call(url, `${_CALLBACKS}/${encodeURIComponent(id)}/fail`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    // In the API model's member order, as the AWS SDKs send it.
    body: JSON.stringify({
      ErrorMessage: error.ErrorMessage,
      ErrorType: error.ErrorType,
      ErrorData: error.ErrorData,
    }),
  });
}

/** SendDurableExecutionCallbackHeartbeat: callback `id` is still being worked on. */
export async function sendCallbackHeartbeat(
  url: string,
  id: string,
): Promise<void> {
  await _call(url, `${_CALLBACKS}/${encodeURIComponent(id)}/heartbeat`, {
    method: "POST",
  });
}

/** GetDurableExecutionHistory: one page of `arn`'s events, with their data, from `marker`. */
export async function historyPage(
  url: string,
  arn: string,
  marker?: string,
): Promise<HistoryPage> {
  const query = new URLSearchParams({ IncludeExecutionData: "true" });
  if (marker) query.set("Marker", marker);
  const response = await _call(
    url,
    `${_EXECUTIONS}/${encodeURIComponent(arn)}/history?${query}`,
    { method: "GET" },
  );
  return await response.json() as HistoryPage;
}

/** Sends one request; a refusal becomes an `InvokeError` in Lambda's words (`Type: message`). */
async function _call(
  url: string,
  path: string,
  init: RequestInit,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${url.replace(/\/$/, "")}${path}`, init);
  } catch (error) {
    throw new InvokeError(
      `Nothing answers at ${url}: start the local Lambda (deno task emulator --control-plane) or pass --url`,
      { cause: error },
    );
  }
  if (response.ok) return response;
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { message: text };
  }
  const type = (response.headers.get("x-amzn-errortype") ??
    String(body.__type ?? body.Type ?? `HTTP ${response.status}`))
    .split(":")[0];
  const message = body.message ?? body.Message ?? "";
  throw new InvokeError(`${type}: ${message}`);
}
