// Step: an error nobody caught while invocations run belongs to them, not to the process.
import { formatError, TypedError } from "./errors.ts";
import type { LoopState } from "./_loop_state.ts";
import type { Invocation } from "./runtime_api.ts";

/** Listens for uncaught errors and rejections until disposed; one running invocation takes the blame. */
export function attributeUncaught(loop: LoopState): Disposable {
  function onUncaught(thrown: unknown, kind: string): boolean {
    const running = loop.running;
    if (running.size === 0) return false;
    if (running.size === 1) {
      for (const entry of running) {
        const error = _asTyped(thrown, kind);
        if (entry.settled) _logLate(loop, entry.invocation, error);
        else entry.crash(error);
      }
      return true;
    }
    loop.logger.error(
      `${kind} while ${running.size} invocations were running; it cannot be attributed to one of them`,
      { error: loop.errorReport(thrown) },
    );
    return true;
  }
  const onRejection = (event: PromiseRejectionEvent) => {
    if (onUncaught(event.reason, "Runtime.UnhandledPromiseRejection")) {
      event.preventDefault();
    }
  };
  const onError = (event: ErrorEvent) => {
    if (onUncaught(event.error, "Runtime.UncaughtException")) {
      event.preventDefault();
    }
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("error", onError);
  return {
    [Symbol.dispose]() {
      globalThis.removeEventListener("unhandledrejection", onRejection);
      globalThis.removeEventListener("error", onError);
    },
  };
}

// Once its invocation's outcome is settled, an error nobody caught is logged with the invocation's id.
function _logLate(
  loop: LoopState,
  invocation: Invocation,
  thrown: unknown,
): void {
  const report = loop.errorReport(thrown);
  loop.logger.error(
    `${report.errorType} after invocation ${invocation.requestId}'s handler had finished; it can no longer fail the invocation`,
    { error: report },
  );
}

function _asTyped(thrown: unknown, kind: string): unknown {
  const report = formatError(thrown);
  const error = new TypedError(kind, report.errorMessage, { cause: thrown });
  if (thrown instanceof Error && thrown.stack) error.stack = thrown.stack;
  return error;
}
