// Step: send the result; a refused response becomes the error Lambda should see.
import { RuntimeApiError, TypedError } from "./errors.ts";
import type { Context } from "./context.ts";
import type { Invocation } from "./runtime_api.ts";
import type { LoopState } from "./_loop_state.ts";

/** Responds; 413 → `Function.ResponseSizeTooLarge`, other refusals → `onPostFailure`, a throw → `/error`. */
export async function deliver(
  loop: LoopState,
  invocation: Invocation,
  context: Context,
  result: unknown,
): Promise<void> {
  try {
    await loop.respond(
      result,
      invocation,
      loop.api,
      context,
    );
  } catch (error) {
    if (error instanceof RuntimeApiError && error.status === 413) {
      await loop.report(
        invocation,
        new TypedError(
          "Function.ResponseSizeTooLarge",
          `The response is larger than the Runtime API accepts (Lambda's limit for a buffered response is 6 MB): ${error.message}. Return less, or stream the response.`,
        ),
      );
    } else if (error instanceof RuntimeApiError) {
      loop.onPostFailure(invocation, error);
    } else {
      await loop.report(invocation, error);
    }
  }
}
