// History events: one appended for each thing that happens to an operation or the execution.
import type { ErrorObject, HistoryEvent, Operation } from "./types.ts";

/** Appends an event of `type` about `op` at `now`, its details under `<type>Details`. */
export function addEvent(
  record: { readonly events: HistoryEvent[] },
  now: number,
  type: string,
  op: Pick<Operation, "Id" | "Name" | "ParentId" | "SubType">,
  details: Record<string, unknown> = {},
): void {
  record.events.push({
    EventType: type,
    EventId: record.events.length + 1,
    Id: op.Id,
    Name: op.Name,
    ParentId: op.ParentId,
    SubType: op.SubType,
    EventTimestamp: now,
    details,
  });
}

/** `{Payload}` of a result, as an event carries it. */
export function resultDetail(payload: string | undefined) {
  return { Result: { Payload: payload, Truncated: false } };
}

/** `{Payload}` of an error, as an event carries it. */
export function errorDetail(error: ErrorObject | undefined) {
  return { Error: { Payload: error, Truncated: false } };
}
