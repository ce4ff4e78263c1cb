// Step: `/next`, asked again with capped back-off when it fails or answers without a request id; its deadline clamped.
import { RuntimeApiError } from "./errors.ts";
import type { Invocation } from "./runtime_api.ts";
import type { LoopState } from "./_loop_state.ts";
import { isConnectionRefused } from "./_api_gone.ts";

/**
 * The next invocation, or `undefined` when the loop stops (aborted, or
 * fatal). A refused `/next` right after a post that got no answer means the
 * API is gone: no retries then. An answer without a request id cannot be
 * answered: it counts as a failed `/next`, so a broken API is asked again
 * after each pause and, after the last, the loop stops instead of spinning.
 */
export async function nextWithRetry(
  loop: LoopState,
): Promise<Invocation | undefined> {
  const delays = loop.nextRetryDelays;
  for (let attempt = 0;; attempt++) {
    let failure: unknown;
    try {
      const invocation = await loop.api.next(loop.pollSignal);
      loop.postLost = false;
      if (invocation.requestId !== "") return _clamped(loop, invocation);
      failure = new RuntimeApiError(
        "next",
        200,
        "the answer has no Lambda-Runtime-Aws-Request-Id header, so the invocation cannot be answered",
      );
    } catch (error) {
      if (loop.pollSignal?.aborted) return undefined;
      failure = error;
    }
    const status = failure instanceof RuntimeApiError ? failure.status : 0;
    const gone = loop.postLost && isConnectionRefused(failure);
    if (status === 500 || gone || attempt >= delays.length) {
      loop.stop(failure);
      return undefined;
    }
    loop.logger.warn(
      `Runtime API next failed (${
        failure instanceof Error ? failure.message : String(failure)
      }); retrying in ${delays[attempt]} ms`,
    );
    await _sleep(delays[attempt], loop.pollSignal);
  }
}

/** The invocation, its deadline no later than Lambda allows from now (a copy only when it was later). */
function _clamped(loop: LoopState, invocation: Invocation): Invocation {
  const latest = Date.now() + loop.maxInvocationMs;
  if (!(invocation.deadlineMs > latest)) return invocation;
  loop.logger.warn(
    `Invocation ${invocation.requestId}'s deadline (${
      JSON.stringify(invocation.headers.get("lambda-runtime-deadline-ms"))
    }) is later than Lambda allows; it is clamped to ${loop.maxInvocationMs} ms from now`,
    { requestId: invocation.requestId },
  );
  return { ...invocation, deadlineMs: latest };
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
