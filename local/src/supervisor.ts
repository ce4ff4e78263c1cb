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
import type { Freezer } from "./freezer.ts";
import { type MemoryLimits, SANDBOX_READY_LINE } from "./memory.ts";

/** One function process and its init phase. */
export interface Instance {
  readonly process: FunctionProcess;
  /** `performance.now()` at its start: once it is in its memory group, when it has one. */
  startedAt: number;
  /** Whether it has asked `/next` once: its init phase is over. */
  ready: boolean;
  /** How long the init phase took, once it is over. */
  initMs: number | undefined;
  /** Whether a REPORT line has carried the init duration. */
  initReported: boolean;
  /** What the init phase failed with, when it did. */
  initError: ErrorOutcome | undefined;
  /** Whether its init phase was cut at the init limit. */
  initTimedOut: boolean;
  /** Whether its init runs inside the first invocation (Lambda's suppressed init), with no limit of its own. */
  readonly suppressed: boolean;
  /** Whether it was killed on purpose (a timeout), so that its exit is no news. */
  retired: boolean;
  /** Whether V8 said it reached its heap limit. */
  heapLimit: boolean;
}

/** How the supervisor starts processes and what it tells. */
export interface SupervisorOptions {
  command: string[];
  cwd?: string;
  env: Record<string, string>;
  output: OutputSink;
  limits: MemoryLimits;
  /** The sandbox's freezer: each process joins it, and a new one starts thawed. */
  freezer?: Freezer;
  /** The init phase's limit. */
  initLimitMs: number;
  /** Each process gets a new empty TMPDIR, with DENO_DIR in it, as a new sandbox gets an empty /tmp. */
  freshTmp?: boolean;
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
  /** Starts a process unless one runs or the supervisor is closed; a suppressed one has no init limit. */
  spawn(options?: { suppressed?: boolean }): void;
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
    spawn(spawnOptions) {
      if (closed || current !== undefined) return;
      // A process joining a frozen group would freeze before its init; the sandbox thaws first.
      options.freezer?.thaw();
      const group = options.limits.group();
      // The wrapper's first line says the sandbox is made: the init clock starts there, as on Lambda.
      const watch: _Watch = {
        started: undefined,
        sandboxed: group === undefined,
      };
      // A new sandbox starts cold: no cache from an earlier process may warm it.
      const tmp = options.freshTmp ? _freshTmp() : undefined;
      const process = startFunctionProcess({
        command: options.command,
        cwd: options.cwd,
        env: tmp === undefined
          ? options.env
          : { ...options.env, TMPDIR: tmp, DENO_DIR: `${tmp}/deno` },
        output: _watchedOutput(watch, options.output),
        memory: group,
        freezer: options.freezer,
      });
      const suppressed = spawnOptions?.suppressed === true;
      const instance: Instance = watch.started = {
        process,
        startedAt: performance.now(),
        ready: false,
        initMs: undefined,
        initReported: false,
        initError: undefined,
        initTimedOut: false,
        suppressed,
        retired: false,
        heapLimit: false,
      };
      const initTimer = suppressed ? undefined : setTimeout(() => {
        if (instance.ready || current !== instance) return;
        instance.initTimedOut = true;
        process.kill();
      }, options.initLimitMs);
      if (initTimer !== undefined) initTimers.set(instance, initTimer);
      current = instance;
      process.exited.then(async (status) => {
        // Synchronously, so that whoever awaits the exit finds the folder gone.
        if (tmp !== undefined) _removeQuietly(tmp);
        clearTimeout(initTimer);
        initTimers.delete(instance);
        const outOfMemory = await group?.outOfMemory() ?? false;

        if (current === instance) current = undefined;
        options.onExit(instance, status, outOfMemory);
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
      instance.retired = true;
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

/** What a spawn's output watch knows: its instance once made, and whether the sandbox line came. */
interface _Watch {
  started: Instance | undefined;
  sandboxed: boolean;
}

/** The process's lines, less the sandbox line (which starts the init clock), noting V8's heap-limit words. */
function _watchedOutput(
  watch: _Watch,
  output: SupervisorOptions["output"],
): SupervisorOptions["output"] {
  return (line, source) => {
    const started = watch.started;
    if (
      source === "stderr" && line === SANDBOX_READY_LINE &&
      started !== undefined && !watch.sandboxed
    ) {
      watch.sandboxed = true;
      started.startedAt = performance.now();
      return;
    }
    // V8's own words when the sized heap is full; the process then dies of a trap.
    if (
      source === "stderr" && started !== undefined &&
      /Reached heap limit|JavaScript heap out of memory|Fatal JavaScript out of memory/
        .test(line)
    ) started.heapLimit = true;
    output(line, source);
  };
}

/** A new temp folder, or undefined (the process then shares the machine's) when it may not be made. */
function _freshTmp(): string | undefined {
  try {
    return Deno.makeTempDirSync({ prefix: "rtl-lambda-tmp-" });
  } catch {
    return undefined;
  }
}

function _removeQuietly(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch {
    // Already gone, or not ours to remove: nothing is lost.
  }
}
