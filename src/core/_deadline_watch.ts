// Step: past an invocation's deadline the platform should have ended this process; if its API is gone, stop.
import { RuntimeApiError } from "./errors.ts";
import type { LoopState, Running } from "./_loop_state.ts";

/** A deadline watch, armed only for a handler still running after its call returned. */
export interface DeadlineWatch extends Disposable {
  /** Starts the timer; a second call does nothing. */
  arm(): void;
}

/** Watches `entry`'s deadline once armed; disposing the result ends the watch. */
export function watchDeadline(loop: LoopState, entry: Running): DeadlineWatch {
  const reachable = loop.api.reachable?.bind(loop.api);
  const deadlineMs = entry.invocation.deadlineMs;
  let over = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    arm() {
      if (
        over || timer !== undefined || reachable === undefined ||
        !Number.isFinite(deadlineMs)
      ) return;
      const armed = setTimeout(async () => {
        if (over || (await reachable())) return;
        const gone = new RuntimeApiError(
          "next",
          0,
          `nothing listens any more, and invocation ${entry.invocation.id} is past its deadline: the platform that ran this process is gone`,
        );
        loop.stop(gone);
        for (const running of loop.running) running.crash(gone);
      }, Math.max(0, deadlineMs - Date.now()));
      // The watch must not keep alive a process that has nothing else to do.
      Deno.unrefTimer(armed);
      timer = armed;
    },
    [Symbol.dispose]() {
      over = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
