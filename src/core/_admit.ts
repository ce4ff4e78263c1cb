// Step: an invocation the loop can answer, with its context, or none (already reported).
import { type Context, createContext } from "./context.ts";
import { TypedError } from "./errors.ts";
import type { Invocation } from "./runtime_api.ts";
import type { LoopState } from "./_loop_state.ts";

/** The invocation's context; `undefined` when it has no request id, a bad deadline, or its context fails. */
export async function admit(
  loop: LoopState,
  invocation: Invocation,
): Promise<Context | undefined> {
  if (invocation.id === "") {
    loop.logger.error(
      "The Runtime API sent an invocation without a Lambda-Runtime-Aws-Request-Id header; it cannot be answered and was skipped",
    );
    return undefined;
  }
  if (!Number.isFinite(invocation.deadlineMs)) {
    await loop.report(
      invocation,
      new TypedError(
        "Runtime.InvalidHeader",
        `Lambda-Runtime-Deadline-Ms is missing or not a number (${
          JSON.stringify(invocation.headers.get("lambda-runtime-deadline-ms"))
        })`,
      ),
    );
    return undefined;
  }
  try {
    return (loop.options.createContext ?? createContext)(
      invocation,
      loop.environment,
    );
  } catch (error) {
    await loop.report(invocation, error);
    return undefined;
  }
}
