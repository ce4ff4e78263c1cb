// What an execution waits on in time: waits, step retry delays, callback and heartbeat timeouts, the
// execution timeout; and what each does when it comes due.
import { addEvent, errorDetail } from "./history.ts";
import type { ExecutionRecord } from "./record.ts";

/** One deadline of an execution. */
export interface Due {
  /** Unique within the execution: the same deadline is armed once. */
  readonly key: string;
  readonly kind: "wait" | "retry" | "callback" | "heartbeat" | "execution";
  /** The operation (or callback id) it concerns. */
  readonly id: string;
  /** When, in epoch ms. */
  readonly at: number;
}

/** Every deadline a running execution has now. */
export function deadlines(record: ExecutionRecord): Due[] {
  if (record.state.status !== "RUNNING") return [];
  const due: Due[] = [{
    key: "execution",
    kind: "execution",
    id: record.arn,
    at: record.startTimestamp + record.config.ExecutionTimeout * 1000,
  }];
  for (const op of record.operations.values()) {
    const end = op.WaitDetails?.ScheduledEndTimestamp;
    if (op.Type === "WAIT" && op.Status === "STARTED" && end !== undefined) {
      due.push({ key: `wait:${op.Id}`, kind: "wait", id: op.Id, at: end });
    }
    const next = op.StepDetails?.NextAttemptTimestamp;
    if (op.Type === "STEP" && op.Status === "PENDING" && next !== undefined) {
      due.push({
        key: `retry:${op.Id}:${next}`,
        kind: "retry",
        id: op.Id,
        at: next,
      });
    }
  }
  for (const [id, timers] of record.callbacks) {
    if (timers.timeoutAt !== undefined) {
      due.push({
        key: `callback:${id}`,
        kind: "callback",
        id,
        at: timers.timeoutAt,
      });
    }
    if (timers.heartbeatAt !== undefined) {
      due.push({
        key: `heartbeat:${id}:${timers.heartbeatAt}`,
        kind: "heartbeat",
        id,
        at: timers.heartbeatAt,
      });
    }
  }
  return due;
}

/** Applies a deadline that came due (the execution timeout aside); whether an operation changed. */
export function fireDeadline(
  record: ExecutionRecord,
  due: Due,
  now: number,
): boolean {
  if (due.kind === "wait") {
    const op = record.operations.get(due.id);
    if (op?.Status !== "STARTED") return false;
    Object.assign(op, { Status: "SUCCEEDED", EndTimestamp: now });
    const started = record.events.find((e) =>
      e.Id === op.Id && e.EventType === "WaitStarted"
    );
    addEvent(record, now, "WaitSucceeded", op, {
      Duration: started?.details?.Duration,
    });
    record.updated.add(op.Id);
    return true;
  }
  if (due.kind === "retry") {
    const op = record.operations.get(due.id);
    if (op?.Status !== "PENDING") return false;
    op.Status = "READY";
    record.updated.add(op.Id);
    return true;
  }
  return timeOutCallback(
    record,
    due.id,
    now,
    due.kind === "heartbeat"
      ? "Callback timed out on heartbeat"
      : "Callback timed out",
  );
}

/** Closes a callback as TIMED_OUT; whether it was still open. */
export function timeOutCallback(
  record: ExecutionRecord,
  callbackId: string,
  now: number,
  message: string,
): boolean {
  const timers = record.callbacks.get(callbackId);
  const op = timers && record.operations.get(timers.operationId);
  if (op === undefined || op.Status !== "STARTED") return false;
  record.callbacks.delete(callbackId);
  const error = { ErrorType: "Callback.Timeout", ErrorMessage: message };
  Object.assign(op, { Status: "TIMED_OUT", EndTimestamp: now });
  op.CallbackDetails = { ...op.CallbackDetails, Error: error };
  addEvent(record, now, "CallbackTimedOut", op, errorDetail(error));
  record.updated.add(op.Id);
  return true;
}
