// What arrives from outside an invocation and completes an operation: a callback's result or error, a
// chained invoke's answer. Each closes the operation, records its event and marks it for the replay.
import { addEvent, errorDetail, resultDetail } from "./history.ts";
import type { ExecutionRecord } from "./record.ts";
import type { ErrorObject, Operation } from "./types.ts";

/** An outcome: a result, or an error. */
export type Outcome = { result: string | undefined } | {
  error: ErrorObject | undefined;
};

/** Closes the CALLBACK or CHAINED_INVOKE `op` with `outcome` at `now`. */
export function completeOperation(
  record: ExecutionRecord,
  op: Operation,
  outcome: Outcome,
  now: number,
): void {
  const ok = "result" in outcome;
  Object.assign(op, { Status: ok ? "SUCCEEDED" : "FAILED", EndTimestamp: now });
  const details = ok ? { Result: outcome.result } : { Error: outcome.error };
  const kind = op.Type === "CALLBACK" ? "Callback" : "ChainedInvoke";
  if (op.Type === "CALLBACK") {
    record.callbacks.delete(op.CallbackDetails?.CallbackId ?? "");
    op.CallbackDetails = { ...op.CallbackDetails, ...details };
  } else op.ChainedInvokeDetails = details;
  addEvent(
    record,
    now,
    `${kind}${ok ? "Succeeded" : "Failed"}`,
    op,
    ok ? resultDetail(outcome.result) : errorDetail(outcome.error),
  );
  record.updated.add(op.Id);
}

/** The name a chained invoke's execution gets: the same operation always finds the same execution. */
export function chainedName(record: ExecutionRecord, operationId: string) {
  return `${record.name}-${operationId}`.replace(/[^A-Za-z0-9_-]/g, "-")
    .slice(0, 64);
}

/** A chained invoke's failure to start, as the outcome it ends with. */
export function failedInvoke(error: unknown): Outcome {
  const e = error as { name?: string; message?: string } | undefined;
  return {
    error: { ErrorType: e?.name, ErrorMessage: String(e?.message ?? error) },
  };
}
