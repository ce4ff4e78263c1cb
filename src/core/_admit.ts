// Step: an invocation the loop can answer, with its context, or none (already reported).
import type { Context } from "./context.ts";
import { TypedError } from "./errors.ts";
import type { Invocation } from "./runtime_api.ts";
import type { LoopState } from "./_loop_state.ts";

/**
 * The invocation's context, synchronously (the hot path awaits nothing here);
 * a promise of `undefined` when it has a bad deadline or its context fails,
 * settled once that is reported. (`nextWithRetry` never hands out one
 * without a request id.)
 */
export function admit(
  loop: LoopState,
  invocation: Invocation,
): Context | Promise<undefined> {
  if (!Number.isFinite(invocation.deadlineMs)) {
    return _reported(
      loop,
      invocation,
      new TypedError(
        "Runtime.InvalidHeader",
        `Lambda-Runtime-Deadline-Ms is missing or not a number (${
          JSON.stringify(invocation.headers.get("lambda-runtime-deadline-ms"))
        })`,
      ),
    );
  }
  try {
    return loop.createContext(
      invocation,
      loop.environment,
    );
  } catch (error) {
    return _reported(loop, invocation, error);
  }
}

async function _reported(
  loop: LoopState,
  invocation: Invocation,
  error: unknown,
): Promise<undefined> {
  await loop.report(invocation, error);
  return undefined;
}
