/**
 * What the scheduler asks of the rest of the emulator: the sandbox's
 * processes, the function's `/next` polls, the platform lines and the
 * memory peak. Each is small so a test fakes it without a process.
 *
 * @module
 */

import type { ErrorOutcome, Outcome } from "../_outcome.ts";
import type { Clock } from "./clock.ts";

/** A function process as the scheduler sees it (the supervisor's `Instance` is one). */
export interface SandboxProcess {
  /** Whether it has polled `/next` once: its init phase is over. */
  readonly ready: boolean;
  /** The monotonic reading at its start (its init clock). */
  readonly startedAt: number;
  /** How long its init phase took, once over. */
  readonly initMs: number | undefined;
  /** What its init phase failed with, when it did. */
  readonly initError: ErrorOutcome | undefined;
  /** Whether its init phase was cut at the init limit. */
  readonly initTimedOut: boolean;
  /** Whether its init runs inside the first invocation (Lambda's suppressed init). */
  readonly suppressed: boolean;
  /** Whether it was killed on purpose, so that its exit is no news. */
  readonly retired: boolean;
}

/** The sandbox's processes: at most one current, started and killed on demand. */
export interface Sandbox<P> {
  /** The process that serves invocations now, if any. */
  current(): P | undefined;
  /** Starts a process unless one runs; a suppressed one inits inside the first invocation. */
  spawn(options?: { suppressed?: boolean }): void;
  /** Kills a process and stops handing it work. */
  retire(process: P): void;
  /** Thaws the sandbox (the invoke phase, a reload). */
  thaw(): void;
}

/** The event an invocation hands out on `/next`, with Lambda's headers' values. */
export interface EventDelivery {
  id: string;
  invocationId: string;
  event: Uint8Array;
  deadlineMs: number;
  arn: string;
  traceId: string;
  clientContext?: string;
  tenantId?: string;
}

/** One `/next` long poll of a process. */
export interface Poll<P> {
  /** The process that polled; `undefined` when none was current. */
  readonly owner: P | undefined;
  /** Whether it can still be answered. */
  live(): boolean;
  /** Answers it with an invocation's event. */
  send(delivery: EventDelivery): void;
  /** Closes it unanswered (its process is gone). */
  drop(): void;
}

/** How a process ended, worded for the platform lines and the invocations it ran. */
export interface ProcessExit<P> {
  readonly process: P;
  /** Lambda's words for the exit: "signal: killed", "exit status 1". */
  readonly how: string;
  /** `Runtime.ExitError`, or `Runtime.OutOfMemory`. */
  readonly errorType: string;
  /** "Runtime exited with error: …" or "Runtime exited without providing a reason". */
  readonly reason: string;
  /** A platform line written first (V8 reached its heap limit). */
  readonly note?: string;
}

/** Everything the scheduler is built from. */
export interface SchedulerOptions<P extends SandboxProcess> {
  clock: Clock;
  sandbox: Sandbox<P>;
  /** The function timeout. */
  timeoutMs: number;
  /** Invocations one process serves at once. */
  concurrency: number;
  /** Synchronous callers beyond this many queued or in flight are throttled; absent, they queue. */
  reservedConcurrency?: number;
  functionVersion: string;
  memoryMb: number;
  arn: string;
  /** Writes a platform line. */
  platform(line: string): void;
  /** The process's memory peak in bytes, read no earlier than the call. */
  peak(process: P): Promise<number>;
  /** An invocation started: the extensions' INVOKE. */
  started?(
    invocation: { id: string; deadlineMs: number; traceId: string },
  ): void;
  /** Nothing queued or running and the process is polling: the sandbox may freeze. */
  idle?(): void;
}

/** An invocation taken on: its id and the outcome the caller will get. */
export interface Accepted {
  readonly id: string;
  /** Resolves once END and REPORT are written (a stream: once it starts). */
  readonly outcome: Promise<Outcome>;
}

/** Why an invocation is not taken: the emulator is closing, or reserved concurrency is reached. */
export type Refusal = "closing" | "throttled";

/** What a reply to invocation `id` finds: the invocation it answers, or why it cannot. */
export type Found =
  | { readonly invocationId: string }
  | "completed"
  | "timed out"
  | undefined;
