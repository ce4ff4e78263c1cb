// The step between the configuration and the loop: the handler made ready, or the failure logged and posted to `/init/error`.
import { type EnvironmentError, InitError } from "./core/errors.ts";
import type { Handler, HandlerSource } from "./core/types.ts";
import type { Resolved } from "./core/_resolve.ts";
import { resolveHandler } from "./_resolve_handler.ts";
import { isStreamified } from "./node/streamify.ts";

/**
 * The handler, or `undefined` once a failure is logged (FATAL) and posted to
 * `/init/error`: a configuration that cannot run (`environmentError`, posted
 * only when Lambda is there to hear it), or an initialisation that threw.
 */
export async function initialise<Event, Result>(
  source: HandlerSource<Event, Result>,
  resolved: Resolved,
  environmentError: EnvironmentError | undefined,
  streaming: boolean,
): Promise<Handler<Event, Result> | undefined> {
  const { logger, api } = resolved;
  let failure: unknown = environmentError;
  try {
    if (environmentError === undefined) {
      const ready = await resolveHandler(source);
      if (isStreamified(ready) && !streaming) {
        throw new InitError(
          "This handler was written for Node's response streaming (awslambda.streamifyResponse): start it with stream(handler) from @rtl/lambda instead of run(handler)",
        );
      }
      return ready;
    }
  } catch (error) {
    failure = error;
  }
  const report = resolved.errorReport(failure);
  if (environmentError !== undefined) {
    logger.fatal(report.errorMessage);
    // A bad reserved variable on Lambda itself is an init failure Lambda should hear of.
    if (environmentError.runtimeApi === undefined) return undefined;
  } else {
    logger.fatal(
      `Initialisation failed: ${report.errorType}: ${report.errorMessage}`,
      { stackTrace: report.stackTrace },
    );
  }
  try {
    await api.failInit(report);
  } catch (postError) {
    // An environment failure was already said; only a failed initialisation says more.
    if (environmentError !== undefined) return undefined;
    logger.error(
      `Could not report the initialisation failure: ${
        postError instanceof Error ? postError.message : String(postError)
      }`,
    );
  }
  return undefined;
}
