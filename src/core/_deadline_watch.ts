// Step: past an invocation's deadline the platform should have ended this process; if its API is gone, stop.
import { RuntimeApiError } from "./errors.ts";
import type { LoopState, Running } from "./_loop_state.ts";

/** Watches the deadlines of the loop's running invocations with one timer; disposing it ends the watch. */
export interface DeadlineWatch extends Disposable {
  /** Makes sure the timer fires by `entry`'s deadline. */
  watch(entry: Running): void;
}

/**
 * One timer for all of a loop's invocations, armed for the earliest deadline
 * not yet checked. A timer per invocation cost about 10 µs each (Deno's
 * timers are Node's); deadlines mostly grow, so a fast invocation finds the
 * timer armed for an earlier one and arms nothing. When it fires, it checks
 * the invocations still running past their deadline (asking the API once),
 * then re-arms for the next deadline of those still running.
 */
export function deadlineWatch(loop: LoopState): DeadlineWatch {
  const reachable = loop.api.reachable?.bind(loop.api);
  if (reachable === undefined) {
    return { watch() {}, [Symbol.dispose]() {} };
  }
  const checked = new WeakSet<Running>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let armedFor = Infinity;
  let over = false;

  function arm(deadlineMs: number): void {
    if (over || deadlineMs >= armedFor) return;
    clearTimeout(timer);
    armedFor = deadlineMs;
    timer = setTimeout(fire, Math.max(0, deadlineMs - Date.now()));
    // The watch must not keep alive a process that has nothing else to do.
    Deno.unrefTimer(timer);
  }

  async function fire(): Promise<void> {
    timer = undefined;
    armedFor = Infinity;
    const now = Date.now();
    const late: Running[] = [];
    for (const entry of loop.running) {
      if (entry.invocation.deadlineMs <= now && !checked.has(entry)) {
        late.push(entry);
      }
    }
    if (late.length > 0) {
      for (const entry of late) checked.add(entry);
      if (!(await reachable!())) {
        if (over) return;
        const gone = new RuntimeApiError(
          "next",
          0,
          `nothing listens any more, and invocation ${
            late[0].invocation.requestId
          } is past its deadline: the platform that ran this process is gone`,
        );
        loop.stop(gone);
        for (const running of loop.running) running.crash(gone);
        return;
      }
    }
    for (const entry of loop.running) {
      if (!checked.has(entry)) arm(entry.invocation.deadlineMs);
    }
  }

  return {
    watch(entry) {
      const deadlineMs = entry.invocation.deadlineMs;
      if (Number.isFinite(deadlineMs)) arm(deadlineMs);
    },
    [Symbol.dispose]() {
      over = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
