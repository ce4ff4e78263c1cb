// A function's lifecycle as Lambda reports it (State, LastUpdateStatus): the phases as a union, every
// transition in `advance`, and what each phase allows.
import { ResourceConflictException, updateInProgress } from "./errors.ts";

/** Where a function is in its life. */
export type Phase =
  | { readonly name: "creating" }
  | { readonly name: "active" }
  | { readonly name: "updating" }
  | { readonly name: "update-failed"; readonly reason: string }
  | { readonly name: "failed"; readonly reason: string };

/** What happens to it: an update starts, the work in progress ends well, or fails. */
export type LifecycleEvent =
  | { readonly kind: "update" }
  | { readonly kind: "done" }
  | { readonly kind: "fail"; readonly reason: string };

/** The phase after `event`; a `ResourceConflictException` when the phase refuses it (an update while one runs). */
export function advance(
  phase: Phase,
  event: LifecycleEvent,
  arn: string,
): Phase {
  const busy = phase.name === "creating" || phase.name === "updating";
  switch (event.kind) {
    case "update":
      if (busy) throw updateInProgress(arn);
      // A function that never started starts over as on its creation.
      return phase.name === "failed"
        ? { name: "creating" }
        : { name: "updating" };
    case "done":
      if (!busy) break;
      return { name: "active" };
    case "fail":
      if (!busy) break;
      return phase.name === "creating"
        ? { name: "failed", reason: event.reason }
        : { name: "update-failed", reason: event.reason };
  }
  throw new Error(`A function ${phase.name} cannot take "${event.kind}"`);
}

/** Refuses what Lambda refuses while an update is in progress (PublishVersion, another update). */
export function assertIdle(phase: Phase, arn: string): void {
  if (phase.name === "creating" || phase.name === "updating") {
    throw updateInProgress(arn);
  }
}

/** Refuses an invocation of $LATEST before it is Active (or after it failed to start). */
export function assertInvocable(phase: Phase): void {
  const state = stateOf(phase);
  if (state !== "Active") {
    throw new ResourceConflictException(
      `The operation cannot be performed at this time. The function is currently in the following state: ${state}`,
    );
  }
}

/** `State`: Pending while created, Failed when that failed, else Active. */
export function stateOf(phase: Phase): "Pending" | "Active" | "Failed" {
  return phase.name === "creating"
    ? "Pending"
    : phase.name === "failed"
    ? "Failed"
    : "Active";
}

/** The configuration's state fields, as GetFunctionConfiguration answers them. */
export function statusFields(phase: Phase): Record<string, string> {
  switch (phase.name) {
    case "creating":
      return {
        State: "Pending",
        StateReason: "The function is being created.",
        StateReasonCode: "Creating",
      };
    case "failed":
      return {
        State: "Failed",
        StateReason: phase.reason,
        StateReasonCode: "InternalError",
        LastUpdateStatus: "Failed",
        LastUpdateStatusReason: phase.reason,
        LastUpdateStatusReasonCode: "InternalError",
      };
    case "updating":
      return {
        State: "Active",
        LastUpdateStatus: "InProgress",
        LastUpdateStatusReason: "The function is being created.",
        LastUpdateStatusReasonCode: "Creating",
      };
    case "update-failed":
      return {
        State: "Active",
        LastUpdateStatus: "Failed",
        LastUpdateStatusReason: phase.reason,
        LastUpdateStatusReasonCode: "InternalError",
      };
    case "active":
      return { State: "Active", LastUpdateStatus: "Successful" };
  }
}
