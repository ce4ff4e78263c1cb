// The scheduler's ports onto the real sandbox: the supervisor's processes, their `/next` polls, their
// exits in Lambda's words, their memory peaks (one read at a time per process) and the freeze when idle.

import type { ServerResponse } from "node:http";
import type { ExtensionHost } from "./extension_host.ts";
import type { Freezer } from "./freezer.ts";
import { exitWords } from "./platform_lines.ts";
import { deliverEvent } from "./runtime_api_server.ts";
import { FreshRead } from "./scheduler/fresh_read.ts";
import type { Poll, ProcessExit, Sandbox } from "./scheduler/ports.ts";
import type { Scheduler } from "./scheduler/scheduler.ts";
import type { Instance, Supervisor } from "./supervisor.ts";

/** The supervisor and the freezer as the scheduler's sandbox. */
export function sandboxOf(
  supervisor: Supervisor,
  freezer: Freezer,
): Sandbox<Instance> {
  return {
    current: () => supervisor.current,
    spawn: (options) => supervisor.spawn(options),
    retire: (process) => supervisor.retire(process),
    thaw: () => void freezer.thaw(),
  };
}

/** A `/next` long poll as the scheduler's poll. */
export function pollOf(
  response: ServerResponse,
  owner: Instance | undefined,
): Poll<Instance> {
  return {
    owner,
    live: () => !response.destroyed && !response.writableEnded,
    send: (delivery) => deliverEvent(response, delivery),
    drop: () => void response.destroy(),
  };
}

/** A process's exit in Lambda's words; `memory` names the size a V8 heap limit was sized to. */
export function exitOf(
  process: Instance,
  status: Deno.CommandStatus,
  outOfMemory: boolean,
  memory: number,
): ProcessExit<Instance> {
  const how = exitWords(status);
  return {
    process,
    how,
    errorType: outOfMemory || process.heapLimit
      ? "Runtime.OutOfMemory"
      : "Runtime.ExitError",
    // Lambda's words: an exit without an error status gives no reason.
    reason: status.code === 0 && status.signal === null
      ? "Runtime exited without providing a reason"
      : `Runtime exited with error: ${how}`,
    note: process.heapLimit
      ? `The function ran out of memory: V8 reached its heap limit, which is sized to --memory ${memory} MB (${how})`
      : undefined,
  };
}

/** Each process's memory peak, read no earlier than asked, with at most one read waiting per process. */
export function peakReader(): (process: Instance) => Promise<number> {
  const reads = new WeakMap<Instance, FreshRead<number>>();
  return (process) => {
    let read = reads.get(process);
    if (read === undefined) {
      read = new FreshRead(() => process.process.peakMemory());
      reads.set(process, read);
    }
    return read.read();
  };
}

/**
 * Lambda freezes the sandbox once the invoke phase is over: nothing queued
 * or running, the function waiting on `/next` and every extension on
 * `/event/next`.
 */
export function freezeWhenIdle(
  scheduler: Scheduler<Instance>,
  extensions: ExtensionHost,
  freezer: Freezer,
): void {
  const owner = scheduler.idleProcess();
  if (owner === undefined || !extensions.idle()) return;
  freezer.freeze([owner.process, ...extensions.processes()]);
}
