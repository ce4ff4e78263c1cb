// Step: an invocation the loop can answer, with its context, or none (already reported).
import { type Context, createContext } from "./context.ts";
import { TypedError } from "./errors.ts";
import type { Invocation } from "./runtime_api.ts";
import type { LoopState } from "./_loop_state.ts";

/**
 * The invocation's context, synchronously (the hot path awaits nothing here);
 * a promise of `undefined` when it has no request id, a bad deadline, or its
 * context fails, settled once that is reported.
 */
export function admit(
  loop: LoopState,
  invocation: Invocation,
): Context | Promise<undefined> {
  if (invocation.requestId === "") {
    loop.logger.error(
      "The Runtime API sent an invocation without a Lambda-Runtime-Aws-Request-Id header; it cannot be answered and was skipped",
    );
    return Promise.resolve(undefined);
  }
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
    return (loop.options.createContext ?? createContext)(
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
