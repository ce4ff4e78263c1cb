// A checkpoint's updates applied to an execution's operations: checked as Lambda checks them, each
// operation moved to its new status with its history event, and what the engine must do next returned.
import { addEvent, errorDetail, resultDetail } from "./history.ts";
import { invalid, tooLarge } from "./errors.ts";
import type { ExecutionRecord } from "./record.ts";
import type { Operation, OperationUpdate } from "./types.ts";

/** Lambda's limit on an operation's payload (1 MB; an execution's own result, 6 MB). */
export const OPERATION_PAYLOAD_LIMIT = 1024 * 1024;
/** Lambda's limit on a synchronous execution's result. */
export const EXECUTION_PAYLOAD_LIMIT = 6 * 1024 * 1024;

const _ACTIONS: Record<string, readonly string[]> = {
  STEP: ["START", "SUCCEED", "FAIL", "RETRY"],
  CONTEXT: ["START", "SUCCEED", "FAIL"],
  WAIT: ["START", "CANCEL"],
  CALLBACK: ["START", "CANCEL"],
  CHAINED_INVOKE: ["START", "CANCEL"],
  EXECUTION: ["SUCCEED", "FAIL"],
};

/** What applying a checkpoint asks of the engine. */
export interface Applied {
  /** Operations changed. */
  readonly changed: Set<string>;
  /** The execution's own result or error, when an EXECUTION update closed it. */
  close?: { kind: "succeed"; result?: string } | {
    kind: "fail";
    error?: OperationUpdate["Error"];
  };
  /** Chained invokes to start: the operation and its update. */
  readonly invokes: OperationUpdate[];
}

/** What the engine lends a checkpoint: the time, and a new callback id for an operation. */
export interface ApplyContext {
  readonly now: number;
  callbackId(operationId: string): string;
}

/** Checks `updates` against the record, then applies them in order. */
export function applyUpdates(
  record: ExecutionRecord,
  updates: readonly OperationUpdate[],
  context: ApplyContext,
): Applied {
  _validate(record, updates);
  const applied: Applied = { changed: new Set(), invokes: [] };
  for (const given of updates) {
    const update = given.Type === "EXECUTION"
      ? { ...given, Id: record.executionOperationId }
      : given;
    _apply(record, update, context, applied);
    applied.changed.add(update.Id);
  }
  return applied;
}

function _validate(
  record: ExecutionRecord,
  updates: readonly OperationUpdate[],
) {
  const executions = updates.filter((u) => u.Type === "EXECUTION");
  if (executions.length > 1) {
    throw invalid("Cannot checkpoint multiple EXECUTION updates.");
  }
  if (executions.length === 1 && updates.at(-1)?.Type !== "EXECUTION") {
    throw invalid("EXECUTION checkpoint must be the last update.");
  }
  const seen = new Set<string>();
  for (const update of updates) {
    if (typeof update?.Id !== "string" || update.Id === "") {
      throw invalid("Operation update must have an Id.");
    }
    const actions = _ACTIONS[update.Type];
    if (actions === undefined) throw invalid("Unknown operation type.");
    if (!actions.includes(update.Action)) {
      throw invalid("Invalid action for the given operation type.");
    }
    _sizes(update);
    const parent = update.ParentId;
    if (
      parent !== undefined && !record.operations.has(parent) &&
      !updates.some((u) => u.Id === parent && u.Action === "START")
    ) throw invalid("Invalid parent operation id.");
    const key = `${update.Id}/${update.Action}`;
    if (seen.has(key)) {
      throw invalid(
        "Cannot update the same operation twice in a single request.",
      );
    }
    seen.add(key);
    _transitionAllowed(update, record.operations.get(update.Id));
  }
}

function _sizes(update: OperationUpdate): void {
  const limit = update.Type === "EXECUTION"
    ? EXECUTION_PAYLOAD_LIMIT
    : OPERATION_PAYLOAD_LIMIT;
  const payload = new TextEncoder().encode(update.Payload ?? "").byteLength;
  if (payload > limit) throw tooLarge(`${update.Type} payload`, payload, limit);
  if (update.Error !== undefined) {
    const error = new TextEncoder().encode(JSON.stringify(update.Error))
      .byteLength;
    if (error > OPERATION_PAYLOAD_LIMIT) {
      throw tooLarge("Error object", error, OPERATION_PAYLOAD_LIMIT);
    }
  }
}

function _transitionAllowed(
  update: OperationUpdate,
  op: Operation | undefined,
) {
  const status = op?.Status;
  const start = update.Action === "START";
  if (update.Type === "EXECUTION") return;
  if (update.Type === "STEP") {
    if (start && op && status !== "READY") {
      throw invalid("Invalid current STEP state to start.");
    }
    if (
      (update.Action === "SUCCEED" || update.Action === "FAIL" ||
        update.Action === "RETRY") &&
      op &&
      status !== "STARTED" && status !== "READY"
    ) throw invalid("Invalid current STEP state to close.");
  } else if (start && op) {
    throw invalid(`Cannot start a ${update.Type} that already exists.`);
  } else if (update.Action === "CANCEL" && status !== "STARTED") {
    throw invalid(
      `Cannot cancel a ${update.Type} that does not exist or has already completed.`,
    );
  } else if (
    update.Type === "CONTEXT" && !start && op && status !== "STARTED"
  ) {
    throw invalid("Invalid current CONTEXT state to close.");
  }
  if (update.Action === "FAIL" && update.Payload != null) {
    throw invalid("Cannot provide a Payload for FAIL action.");
  }
  if (update.Action === "SUCCEED" && update.Error != null) {
    throw invalid("Cannot provide an Error for SUCCEED action.");
  }
}

function _apply(
  record: ExecutionRecord,
  update: OperationUpdate,
  context: ApplyContext,
  applied: Applied,
): void {
  const { now } = context;
  if (update.Type === "EXECUTION") {
    applied.close = update.Action === "SUCCEED"
      ? { kind: "succeed", result: update.Payload }
      : { kind: "fail", error: update.Error };
    return;
  }
  let op = record.operations.get(update.Id);
  if (op === undefined) {
    op = _begin(record, update, context);
    if (update.Action === "START") {
      _started(record, op, update, now, applied);
      return;
    }
  }
  _complete(record, op, update, now);
}

function _begin(
  record: ExecutionRecord,
  update: OperationUpdate,
  context: ApplyContext,
): Operation {
  const op: Operation = {
    Id: update.Id,
    ParentId: update.ParentId,
    Name: update.Name,
    Type: update.Type,
    SubType: update.SubType,
    Status: "STARTED",
    StartTimestamp: context.now,
  };
  if (update.Type === "WAIT") {
    const seconds = update.WaitOptions?.WaitSeconds ?? 0;
    op.WaitDetails = { ScheduledEndTimestamp: context.now + seconds * 1000 };
  } else if (update.Type === "CALLBACK") {
    op.CallbackDetails = { CallbackId: context.callbackId(update.Id) };
  } else if (update.Type === "CONTEXT") {
    op.ContextDetails = {
      ReplayChildren: update.ContextOptions?.ReplayChildren,
    };
  }
  record.operations.set(op.Id, op);
  return op;
}

function _started(
  record: ExecutionRecord,
  op: Operation,
  update: OperationUpdate,
  now: number,
  applied: Applied,
): void {
  switch (op.Type) {
    case "WAIT":
      addEvent(record, now, "WaitStarted", op, {
        Duration: update.WaitOptions?.WaitSeconds ?? 0,
        ScheduledEndTimestamp: op.WaitDetails?.ScheduledEndTimestamp,
      });
      return;
    case "CALLBACK": {
      const options = update.CallbackOptions ?? {};
      const timeout = options.TimeoutSeconds || undefined;
      const heartbeat = options.HeartbeatTimeoutSeconds || undefined;
      record.callbacks.set(op.CallbackDetails!.CallbackId!, {
        operationId: op.Id,
        timeoutAt: timeout === undefined ? undefined : now + timeout * 1000,
        heartbeatSeconds: heartbeat,
        heartbeatAt: heartbeat === undefined
          ? undefined
          : now + heartbeat * 1000,
      });
      addEvent(record, now, "CallbackStarted", op, {
        CallbackId: op.CallbackDetails!.CallbackId,
        Timeout: timeout,
        HeartbeatTimeout: heartbeat,
      });
      return;
    }
    case "CHAINED_INVOKE":
      addEvent(record, now, "ChainedInvokeStarted", op, {
        FunctionName: update.ChainedInvokeOptions?.FunctionName,
        Input: { Payload: update.Payload, Truncated: false },
      });
      applied.invokes.push(update);
      return;
    default:
      addEvent(record, now, `${_title(op.Type)}Started`, op);
  }
}

function _complete(
  record: ExecutionRecord,
  op: Operation,
  update: OperationUpdate,
  now: number,
): void {
  const title = _title(op.Type);
  switch (update.Action) {
    case "START":
      // A step's next attempt, after its retry delay.
      op.Status = "STARTED";
      addEvent(record, now, `${title}Started`, op);
      return;
    case "CANCEL":
      op.Status = "CANCELLED";
      op.EndTimestamp = now;
      if (op.Type === "CALLBACK") {
        record.callbacks.delete(op.CallbackDetails!.CallbackId!);
      }
      addEvent(record, now, `${title}Cancelled`, op);
      return;
    case "RETRY": {
      const attempt = (op.StepDetails?.Attempt ?? 0) + 1;
      const delay = update.StepOptions?.NextAttemptDelaySeconds ?? 0;
      op.Status = "PENDING";
      op.StepDetails = {
        ...op.StepDetails,
        Attempt: attempt,
        NextAttemptTimestamp: now + delay * 1000,
        Result: update.Payload,
        Error: update.Error,
      };
      addEvent(record, now, "StepFailed", op, {
        ...errorDetail(update.Error),
        RetryDetails: {
          CurrentAttempt: attempt,
          NextAttemptDelaySeconds: delay,
        },
      });
      return;
    }
  }
  const succeeded = update.Action === "SUCCEED";
  op.Status = succeeded ? "SUCCEEDED" : "FAILED";
  op.EndTimestamp = now;
  const outcome = { Result: update.Payload, Error: update.Error };
  if (op.Type === "STEP") {
    const attempt = (op.StepDetails?.Attempt ?? 0) + 1;
    op.StepDetails = {
      ...op.StepDetails,
      Attempt: attempt,
      ...outcome,
      NextAttemptTimestamp: undefined,
    };
    addEvent(record, now, succeeded ? "StepSucceeded" : "StepFailed", op, {
      ...(succeeded ? resultDetail(update.Payload) : errorDetail(update.Error)),
      RetryDetails: { CurrentAttempt: attempt },
    });
    return;
  }
  op.ContextDetails = {
    ReplayChildren: update.ContextOptions?.ReplayChildren ??
      op.ContextDetails?.ReplayChildren,
    ...outcome,
  };
  addEvent(
    record,
    now,
    succeeded ? "ContextSucceeded" : "ContextFailed",
    op,
    succeeded ? resultDetail(update.Payload) : errorDetail(update.Error),
  );
}

function _title(type: string): string {
  return type === "CHAINED_INVOKE"
    ? "ChainedInvoke"
    : type[0] + type.slice(1).toLowerCase();
}
