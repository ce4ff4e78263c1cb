// The engine's values on the wire: timestamps as epoch seconds in API answers (the AWS SDK's restJson
// reading) and ISO-8601 in the invocation event (what the durable SDK reads), events with their details.
import type { HistoryEvent } from "./types.ts";

/** A copy of `value` with every `…Timestamp` number (epoch ms) written as `format` wants. */
export function wireTimes<T>(value: T, format: "seconds" | "iso"): T {
  if (Array.isArray(value)) {
    return value.map((item) => wireTimes(item, format)) as T;
  }
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    out[key] = key.endsWith("Timestamp") && typeof item === "number"
      ? (format === "iso" ? new Date(item).toISOString() : item / 1000)
      : wireTimes(item, format);
  }
  return out as T;
}

/** An event as GetDurableExecutionHistory answers it. */
export function wireEvent(
  event: HistoryEvent,
  includeData: boolean,
): Record<string, unknown> {
  const { details, ...rest } = event;
  const shown = includeData ? details : _withoutData(details);
  return wireTimes(
    { ...rest, [`${event.EventType}Details`]: shown },
    "seconds",
  );
}

function _withoutData(details: Record<string, unknown> | undefined) {
  if (details === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (key === "Result" || key === "Error" || key === "Input") continue;
    out[key] = value;
  }
  return out;
}
