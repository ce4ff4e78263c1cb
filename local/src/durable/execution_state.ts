// An execution's status as one state machine: RUNNING until it succeeds, fails, times out or is stopped.
import type { ErrorObject } from "./types.ts";

/** Where an execution is. */
export type ExecutionState =
  | { readonly status: "RUNNING" }
  | {
    readonly status: "SUCCEEDED";
    readonly result: string | undefined;
    readonly end: number;
  }
  | {
    readonly status: "FAILED" | "TIMED_OUT" | "STOPPED";
    readonly error: ErrorObject | undefined;
    readonly end: number;
  };

/** What happens to an execution. */
export type ExecutionEvent =
  | { readonly kind: "succeed"; readonly result: string | undefined }
  | { readonly kind: "fail"; readonly error: ErrorObject | undefined }
  | { readonly kind: "time-out" }
  | { readonly kind: "stop"; readonly error: ErrorObject | undefined };

/** A closed execution cannot move: StopDurableExecution of one answers this. */
export class ExecutionClosedError extends Error {
  /** Creates the error. */
  constructor(status: string) {
    super(`The execution is already closed (${status})`);
    this.name = "ExecutionClosedError";
  }
}

/** The one place an execution's status changes; `now` stamps its end. */
export function transition(
  state: ExecutionState,
  event: ExecutionEvent,
  now: number,
): ExecutionState {
  if (state.status !== "RUNNING") throw new ExecutionClosedError(state.status);
  switch (event.kind) {
    case "succeed":
      return { status: "SUCCEEDED", result: event.result, end: now };
    case "fail":
      return { status: "FAILED", error: event.error, end: now };
    case "time-out":
      return {
        status: "TIMED_OUT",
        error: {
          ErrorType: "States.Timeout",
          ErrorMessage: "The execution timed out",
        },
        end: now,
      };
    case "stop":
      return { status: "STOPPED", error: event.error, end: now };
  }
}
