// What every poller of one runLoop shares: the resolved options, the running invocations, the fatal stop.
import type { Context } from "./context.ts";
import { RuntimeApiError } from "./errors.ts";
import type { Invocation } from "./runtime_api.ts";
import type { Resolved } from "./_resolve.ts";

/** A fault the loop cannot go on after: the process must exit. */
export class Fatal {
  constructor(readonly error: unknown) {}
}

/** One invocation in flight; `crash` fails it with an error nobody caught. */
export interface Running {
  invocation: Invocation;
  context: Context;
  crash: (error: unknown) => void;
  /** Its outcome is known: an error nobody caught can no longer change it, and is logged instead. */
  settled: boolean;
}

/** The state the loop's steps share: the resolved options, and what changes as it runs. */
export interface LoopState extends Resolved {
  readonly pollSignal: AbortSignal | undefined;
  readonly running: Set<Running>;
  fatal: Fatal | undefined;
  /** A response or error post got no HTTP answer, even retried, since the last `/next`. */
  postLost: boolean;
  /** Ends the loop after the current invocations; with K pollers, their long polls too. */
  stop(error: unknown): void;
  /** Logs a failure and posts it to `/invocation/{id}/error`. */
  report(invocation: Invocation, thrown: unknown): Promise<void>;
  /** Handles a Runtime API refusal of a response or error post (410, 500, others). */
  onPostFailure(invocation: Invocation, error: unknown): void;
}

/** The state of one loop over the options resolved once. */
export function loopState(resolved: Resolved): LoopState {
  const { api, logger, concurrency, signal } = resolved;
  const halt = concurrency > 1 ? new AbortController() : undefined;
  const pollSignal = halt === undefined
    ? signal
    : signal === undefined
    ? halt.signal
    : AbortSignal.any([signal, halt.signal]);
  const state: LoopState = {
    ...resolved,
    pollSignal,
    running: new Set(),
    fatal: undefined,
    postLost: false,
    stop(error) {
      state.fatal ??= new Fatal(error);
      halt?.abort();
    },
    report(invocation, thrown) {
      const errorReport = resolved.errorReport(thrown);
      logger.error(
        `Invocation ${invocation.requestId} failed: ${errorReport.errorType}: ${errorReport.errorMessage}`,
        {
          requestId: invocation.requestId,
          tenantId: invocation.headers.get("lambda-runtime-aws-tenant-id") ??
            undefined,
          errorType: errorReport.errorType,
          errorMessage: errorReport.errorMessage,
          stackTrace: errorReport.stackTrace,
        },
      );
      const headers = resolved.errorHeaders?.(errorReport);
      return api.fail(invocation, errorReport, headers && { headers })
        .catch((error) => state.onPostFailure(invocation, error));
    },
    onPostFailure(invocation, error) {
      if (error instanceof RuntimeApiError && error.status === 500) {
        state.stop(error);
        return;
      }
      if (error instanceof RuntimeApiError && error.status === 410) {
        logger.warn(
          `Invocation ${invocation.requestId} had already timed out (410 Gone); its result was dropped`,
          { requestId: invocation.requestId },
        );
        return;
      }
      if (error instanceof RuntimeApiError && error.status === 0) {
        state.postLost = true;
      }
      logger.error(
        `Could not deliver the outcome of invocation ${invocation.requestId}: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { requestId: invocation.requestId },
      );
    },
  };
  return state;
}
