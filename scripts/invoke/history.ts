/**
 * An execution's history as `deno task invoke --history` prints it: one
 * line per event, and (watching) new events as they come until the
 * execution closes.
 *
 * @module
 */

import type { HistoryEvent, HistoryPage } from "./durable.ts";

/** The events after which an execution has closed. */
export const CLOSING_EVENTS: ReadonlySet<string> = new Set([
  "ExecutionSucceeded",
  "ExecutionFailed",
  "ExecutionTimedOut",
  "ExecutionStopped",
]);

/** One event as a line: id, time, type, operation, what it carries. */
export function formatEvent(event: HistoryEvent): string {
  const time = _time(event.EventTimestamp);
  const operation = event.Name ?? event.Id ?? "";
  return [
    String(event.EventId).padStart(3),
    time,
    event.EventType.padEnd(24),
    operation,
    _detail(event),
  ].filter((part) => part !== "").join("  ");
}

function _time(value: number | string | undefined): string {
  if (value === undefined) return "";
  const date = typeof value === "number"
    ? new Date(value * 1000)
    : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

/** What an event's details say, in a few words: the callback id to answer, a result, an error, a delay. */
function _detail(event: HistoryEvent): string {
  const details = event[`${event.EventType}Details`] as
    | Record<string, Record<string, unknown> | string | number | undefined>
    | undefined;
  if (details === undefined) return "";
  const parts: string[] = [];
  if (typeof details.CallbackId === "string") {
    parts.push(`callback ${details.CallbackId}`);
  }
  if (typeof details.Duration === "number") {
    parts.push(`for ${details.Duration} s`);
  }
  const payload =
    (details.Result as { Payload?: string } | undefined)?.Payload ??
      (details.Input as { Payload?: string } | undefined)?.Payload;
  if (payload !== undefined) parts.push(payload);
  const error =
    (details.Error as { Payload?: Record<string, string> } | undefined)
      ?.Payload;
  if (error !== undefined) {
    parts.push(`${error.ErrorType ?? "Error"}: ${error.ErrorMessage ?? ""}`);
  }
  const retry = details.RetryDetails as
    | { CurrentAttempt?: number; NextAttemptDelaySeconds?: number }
    | undefined;
  if (retry?.NextAttemptDelaySeconds !== undefined) {
    parts.push(
      `attempt ${
        retry.CurrentAttempt ?? "?"
      }, next in ${retry.NextAttemptDelaySeconds} s`,
    );
  }
  return parts.join("  ");
}

/** How to read and print a history. */
export interface FollowOptions {
  /** Reads one page from a marker. */
  page(marker?: string): Promise<HistoryPage>;
  /** Prints one line. */
  print(line: string): void;
  /** Keep polling until the execution closes (else one pass). */
  watch: boolean;
  /** Resolves after `ms`; injected so that tests need not wait. */
  sleep(ms: number): Promise<void>;
  /** Between polls, in ms. */
  intervalMs: number;
}

/** Prints every event once, in order; watching, polls for new ones until a closing event. Resolves with the last event's type. */
export async function followHistory(
  options: FollowOptions,
): Promise<string | undefined> {
  let printed = 0;
  let last: string | undefined;
  for (;;) {
    for (const event of await _all(options.page)) {
      if (event.EventId <= printed) continue;
      options.print(formatEvent(event));
      printed = event.EventId;
      last = event.EventType;
    }
    if (!options.watch || (last && CLOSING_EVENTS.has(last))) return last;
    await options.sleep(options.intervalMs);
  }
}

async function _all(
  page: (marker?: string) => Promise<HistoryPage>,
): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let marker: string | undefined;
  do {
    const next = await page(marker);
    events.push(...next.Events ?? []);
    marker = next.NextMarker || undefined;
  } while (marker);
  return events;
}
