/**
 * An invocation's life as data: its states as a union, the events that move
 * it, and the one transition function that refuses every move the table
 * does not list (an answer before delivery, a second answer, a timeout after
 * the answer).
 *
 * @module
 */

import type { Outcome } from "../_outcome.ts";

/** The process an invocation runs on and its clock, from the moment it starts. */
export interface Run<P> {
  /** The process it was handed to; `undefined` before any process polled. */
  readonly owner: P | undefined;
  /** Its deadline, in epoch milliseconds. */
  readonly deadlineMs: number;
  /** The monotonic reading at its start (Duration counts from here). */
  readonly startedAt: number;
}

/**
 * Where an invocation is: waiting for a slot, started (its clock running,
 * waiting for its process's first poll), handed to the function, streaming
 * its response, ended one of three ways, and at last reported (END and
 * REPORT written, the caller answered).
 */
export type InvocationState<P> =
  | { readonly name: "queued" }
  | { readonly name: "started"; readonly run: Run<P> }
  | { readonly name: "delivered"; readonly run: Run<P> }
  | {
    readonly name: "streaming";
    readonly run: Run<P>;
    /** Ends the relayed stream early (a timeout, a close). */
    readonly abort: (reason: Error) => void;
  }
  | {
    readonly name: "answered";
    readonly run: Run<P>;
    readonly outcome: Outcome;
  }
  | {
    readonly name: "timed out";
    readonly run: Run<P>;
    readonly outcome: Outcome;
  }
  | {
    readonly name: "failed";
    /** `undefined` when it never started or ends with no lines (a close). */
    readonly run: Run<P> | undefined;
    readonly outcome: Outcome;
    /** The REPORT's `Error Type`. */
    readonly errorType: string | undefined;
  }
  | {
    readonly name: "reported";
    readonly ended: "answered" | "timed out" | "failed";
  };

/** The name of a state. */
export type StateName = InvocationState<unknown>["name"];

/** What moves an invocation from one state to the next. */
export type InvocationEvent<P> =
  | { readonly type: "start"; readonly run: Run<P> }
  | { readonly type: "deliver" }
  | { readonly type: "stream"; readonly abort: (reason: Error) => void }
  | { readonly type: "answer"; readonly outcome: Outcome }
  | { readonly type: "time out"; readonly outcome: Outcome }
  | {
    readonly type: "fail";
    readonly outcome: Outcome;
    readonly errorType?: string;
    /** Ends it with no END and REPORT lines (the emulator closes). */
    readonly quiet?: boolean;
  }
  | { readonly type: "report" };

/** The states each event may leave from; any other move is refused. */
export const TRANSITIONS: Readonly<
  Record<InvocationEvent<unknown>["type"], readonly StateName[]>
> = {
  start: ["queued"],
  deliver: ["started"],
  stream: ["delivered"],
  answer: ["delivered", "streaming"],
  "time out": ["started", "delivered", "streaming"],
  fail: ["queued", "started", "delivered", "streaming"],
  report: ["answered", "timed out", "failed"],
};

/**
 * A move the table does not allow.
 *
 * @example
 * ```ts
 * import { IllegalTransitionError } from "./invocation.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new IllegalTransitionError("queued", "answer").name, "IllegalTransitionError");
 * ```
 */
export class IllegalTransitionError extends Error {
  /** Names the state and the refused event. */
  constructor(readonly from: StateName, readonly event: string) {
    super(`An invocation that is ${from} cannot take "${event}"`);
    this.name = "IllegalTransitionError";
  }
}

/** Whether `event` may move an invocation in `state`. */
export function allows<P>(
  state: InvocationState<P>,
  event: InvocationEvent<P>["type"],
): boolean {
  return TRANSITIONS[event].includes(state.name);
}

/** The state `event` moves `state` to; throws `IllegalTransitionError` for a move the table refuses. */
export function transition<P>(
  state: InvocationState<P>,
  event: InvocationEvent<P>,
): InvocationState<P> {
  if (!allows(state, event.type)) {
    throw new IllegalTransitionError(state.name, event.type);
  }
  const run = runOf(state);
  switch (event.type) {
    case "start":
      return { name: "started", run: event.run };
    case "deliver":
      return { name: "delivered", run: run! };
    case "stream":
      return { name: "streaming", run: run!, abort: event.abort };
    case "answer":
      return { name: "answered", run: run!, outcome: event.outcome };
    case "time out":
      return { name: "timed out", run: run!, outcome: event.outcome };
    case "fail":
      return {
        name: "failed",
        run: event.quiet ? undefined : run,
        outcome: event.outcome,
        errorType: event.errorType,
      };
    case "report":
      return {
        name: "reported",
        ended: state.name as "answered" | "timed out" | "failed",
      };
  }
}

/** The run of an invocation that has started, else `undefined`. */
export function runOf<P>(state: InvocationState<P>): Run<P> | undefined {
  return "run" in state ? state.run : undefined;
}

/** Whether it has started and not ended: its process is working on it. */
export function isRunning<P>(state: InvocationState<P>): boolean {
  return state.name === "started" || state.name === "delivered" ||
    state.name === "streaming";
}
