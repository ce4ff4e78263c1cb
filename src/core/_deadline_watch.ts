// Step: past an invocation's deadline the platform should have ended this process; if its API is gone, stop.
import { RuntimeApiError } from "./errors.ts";
import type { LoopState, Running } from "./_loop_state.ts";

/** Watches `entry`'s deadline; disposing the result ends the watch. */
export function watchDeadline(loop: LoopState, entry: Running): Disposable {
  const reachable = loop.api.reachable?.bind(loop.api);
  const deadlineMs = entry.invocation.deadlineMs;
  if (reachable === undefined || !Number.isFinite(deadlineMs)) {
    return { [Symbol.dispose]() {} };
  }
  let over = false;
  const timer = setTimeout(async () => {
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
  Deno.unrefTimer(timer);
  return {
    [Symbol.dispose]() {
      over = true;
      clearTimeout(timer);
    },
  };
}
