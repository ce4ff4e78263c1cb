// Step: `/next`, retried briefly when the Runtime API cannot be reached.
import { RuntimeApiError } from "./errors.ts";
import type { Invocation } from "./runtime_api.ts";
import type { LoopState } from "./_loop_state.ts";
import { isConnectionRefused } from "./_api_gone.ts";

/** Pauses before each retry of a failed `/next`: about 1.5 s in all, then give up. */
export const NEXT_RETRY_DELAYS: readonly number[] = [50, 100, 200, 400, 800];

/**
 * The next invocation, or `undefined` when the loop stops (aborted, or
 * fatal). A refused `/next` right after a post that got no answer means the
 * API is gone: no retries then.
 */
export async function nextWithRetry(
  loop: LoopState,
): Promise<Invocation | undefined> {
  const delays = loop.options.nextRetryDelays ?? NEXT_RETRY_DELAYS;
  for (let attempt = 0;; attempt++) {
    try {
      const invocation = await loop.api.next(loop.pollSignal);
      loop.postLost = false;
      return invocation;
    } catch (error) {
      if (loop.pollSignal?.aborted) return undefined;
      const status = error instanceof RuntimeApiError ? error.status : 0;
      const gone = loop.postLost && isConnectionRefused(error);
      if (status === 500 || gone || attempt >= delays.length) {
        loop.stop(error);
        return undefined;
      }
      loop.logger.warn(
        `Runtime API next failed (${
          error instanceof Error ? error.message : String(error)
        }); retrying in ${delays[attempt]} ms`,
      );
      await _sleep(delays[attempt], loop.pollSignal);
    }
  }
}

function _sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
