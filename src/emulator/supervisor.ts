/**
 * The function-process supervisor: at most one function process at a time,
 * started on demand, its init phase timed, its exit reported once with
 * whether the memory cgroup saw it run out of memory.
 *
 * @module
 */

import type { ErrorOutcome } from "./_outcome.ts";
import {
  type FunctionProcess,
  type OutputSink,
  startFunctionProcess,
} from "./function_process.ts";
import type { MemoryLimits } from "./memory.ts";

/** One function process and its init phase. */
export interface Instance {
  readonly process: FunctionProcess;
  /** `performance.now()` at its start. */
  readonly startedAt: number;
  /** Whether it has asked `/next` once: its init phase is over. */
  ready: boolean;
  /** How long the init phase took, once it is over. */
  initMs: number | undefined;
  /** Whether a REPORT line has carried the init duration. */
  initReported: boolean;
  /** What the init phase failed with, when it did. */
  initError: ErrorOutcome | undefined;
}

/** How the supervisor starts processes and what it tells. */
export interface SupervisorOptions {
  command: string[];
  cwd?: string;
  env: Record<string, string>;
  output: OutputSink;
  limits: MemoryLimits;
  /** The init phase's limit. */
  initLimitMs: number;
  /** What an init cut by its limit fails with. */
  onInitTimeout(instance: Instance): ErrorOutcome;
  /** A process ended (after its output was read). */
  onExit(
    instance: Instance,
    status: Deno.CommandStatus,
    outOfMemory: boolean,
  ): void;
}

/** Starts, tracks and retires function processes. */
export interface Supervisor {
  /** The process that serves invocations now, if any. */
  readonly current: Instance | undefined;
  /** Starts a process unless one runs or the supervisor is closed. */
  spawn(): void;
  /** Marks the current process's init phase as over (its first `/next`). */
  ready(): Instance | undefined;
  /** Kills a process and stops handing it work. */
  retire(instance: Instance): void;
  /** Stops starting processes; returns the one that ran. */
  close(): Instance | undefined;
}

/** Creates the supervisor; nothing runs until `spawn()`. */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  let current: Instance | undefined;
  let closed = false;
  const initTimers = new Map<Instance, ReturnType<typeof setTimeout>>();
  return {
    get current() {
      return current;
    },
    spawn() {
      if (closed || current !== undefined) return;
      const group = options.limits.group();
      const process = startFunctionProcess({
        command: options.command,
        cwd: options.cwd,
        env: options.env,
        output: options.output,
        memory: group,
      });
      const started: Instance = {
        process,
        startedAt: performance.now(),
        ready: false,
        initMs: undefined,
        initReported: false,
        initError: undefined,
      };
      const initTimer = setTimeout(() => {
        if (started.ready || current !== started) return;
        started.initError ??= options.onInitTimeout(started);
        process.kill();
      }, options.initLimitMs);
      initTimers.set(started, initTimer);
      current = started;
      process.exited.then(async (status) => {
        clearTimeout(initTimer);
        initTimers.delete(started);
        const outOfMemory = await group?.outOfMemory() ?? false;
        if (current === started) current = undefined;
        options.onExit(started, status, outOfMemory);
      });
    },
    ready() {
      if (current !== undefined && !current.ready) {
        current.ready = true;
        current.initMs = performance.now() - current.startedAt;
        clearTimeout(initTimers.get(current));
      }
      return current;
    },
    retire(instance) {
      if (current === instance) current = undefined;
      instance.process.kill();
    },
    close() {
      closed = true;
      const running = current;
      current = undefined;
      return running;
    },
  };
}
