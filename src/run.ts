/**
 * `run()`: the composition root. The only module that knows every layer:
 * it reads the environment, initialises, and runs the core loop with
 * Lambda logging, the X-Ray trace env and error cause, the memory watch and
 * the streaming client composed in through the loop's seams, then exits.
 *
 * @module
 */

import { type LambdaEnvironment, readEnvironment } from "./core/environment.ts";
import { EnvironmentError, InitError } from "./core/errors.ts";
import { runLoop } from "./core/loop.ts";
import { createRuntimeApi, type RuntimeApi } from "./core/runtime_api.ts";
import type {
  Handler,
  HandlerSource,
  InvocationScope,
  RunOptions,
} from "./core/types.ts";
import { safeReport } from "./core/_report.ts";
import { resolveHandler } from "./_resolve_handler.ts";
import {
  installLogging,
  useAsyncAttribution,
} from "./logging/lambda_logger.ts";
import { createMemoryWatch } from "./memory/watch.ts";
import { awsLambdaScope, installAwsLambdaGlobal } from "./node/awslambda.ts";
import { installExecutionEnv } from "./node/execution_env.ts";
import { hintingFormatError } from "./node/permission_hint.ts";
import { isStreamified } from "./node/streamify.ts";
import { xrayErrorHeaders } from "./xray/error_cause.ts";
import { installTraceEnvFor } from "./xray/trace_env.ts";

// Node libraries read globalThis.awslambda at import (Powertools' new Metrics()): set it as this module loads.
installAwsLambdaGlobal();
// Likewise AWS_EXECUTION_ENV, which provided.al2023 leaves unset and Powertools' new Tracer() requires.
installExecutionEnv();

/**
 * Starts the function: reads the environment, initialises, and serves
 * invocations until Lambda shuts the sandbox down. Give it a handler, or
 * `{ init }`: an initializer, called once, that returns the handler. A
 * function is always the handler, whatever its parameters.
 *
 * - Outside Lambda (`AWS_LAMBDA_RUNTIME_API` unset) it prints how to run the
 *   function locally and exits 1.
 * - An initializer that throws is reported on `/init/error`, then the
 *   process exits 1.
 * - When the Runtime API says the container is unhealthy, or stays
 *   unreachable, it logs why and exits 1.
 *
 * @example A handler
 * ```ts ignore
 * import { run } from "@rtl/lambda";
 *
 * run((event: { name: string }, context) => ({
 *   hello: event.name,
 *   requestId: context.awsRequestId,
 * }));
 * ```
 *
 * @example An initializer
 * ```ts ignore
 * import { run } from "@rtl/lambda";
 *
 * run({
 *   init: async () => {
 *     const table = Deno.env.get("TABLE") ?? "demo";
 *     return (event: { name: string }) => ({ hello: event.name, table });
 *   },
 * });
 * ```
 */
export async function run<Event = unknown, Result = unknown>(
  handler: HandlerSource<Event, Result>,
  given: RunOptions = {},
): Promise<void> {
  // A permission refusal's report says which grant to add.
  const options: RunOptions = given.formatError === undefined
    ? { ...given, formatError: hintingFormatError }
    : given;
  // The process-level entry installs Lambda-shaped logs; runLoop stays hook-only.
  using logging = installLogging(options);
  const logger = logging.logger;
  let environment: LambdaEnvironment;
  try {
    environment = options.environment ?? readEnvironment(options.env);
  } catch (error) {
    const report = safeReport(options.formatError, error);
    logger.fatal(report.errorMessage);
    // A bad reserved variable on Lambda itself is an init failure Lambda should hear of.
    const host = error instanceof EnvironmentError
      ? error.runtimeApi
      : undefined;
    if (host !== undefined) {
      await _api(host, options).failInit(report).catch(() => {});
    }
    return _exit(1);
  }
  const api = _api(environment.runtimeApi, options);
  let ready: Handler<Event, Result>;
  try {
    ready = await resolveHandler(handler);
    if (isStreamified(ready) && options.respond === undefined) {
      throw new InitError(
        "This handler was written for Node's response streaming (awslambda.streamifyResponse): start it with stream(handler) from @rtl/lambda instead of run(handler)",
      );
    }
  } catch (error) {
    const report = safeReport(options.formatError, error);
    logger.fatal(
      `Initialisation failed: ${report.errorType}: ${report.errorMessage}`,
      { stackTrace: report.stackTrace },
    );
    try {
      await api.failInit(report);
    } catch (postError) {
      logger.error(
        `Could not report the initialisation failure: ${
          postError instanceof Error ? postError.message : String(postError)
        }`,
      );
    }
    return _exit(1);
  }
  const concurrency = options.concurrency ?? environment.maxConcurrency;
  // Overlapping invocations need async-context attribution; one at a time does not load it.
  if (concurrency > 1) {
    await useAsyncAttribution();
    await installAwsLambdaGlobal().InvokeStore.useAsyncContext();
  }
  // With one invocation at a time, the trace id can live in the process env as X-Ray SDKs expect.
  using traceEnv = installTraceEnvFor(concurrency);
  // Node's InvokeStore outside, then log attribution (and the trace env at K=1).
  const scope: InvocationScope = traceEnv === undefined
    ? (context, invoke) =>
      awsLambdaScope(context, () => logging.scope(context, invoke))
    : (context, invoke) => {
      traceEnv.set(context.xRayTraceId);
      return awsLambdaScope(context, () => logging.scope(context, invoke));
    };
  try {
    await runLoop(ready, {
      ...options,
      environment,
      runtimeApi: api,
      logger,
      concurrency,
      scope,
      errorHeaders: options.errorHeaders ??
        xrayErrorHeaders(environment.taskRoot),
      memoryWatch: options.memoryWatch ??
        createMemoryWatch({ memorySizeMB: environment.memorySizeMB, logger }),
    });
  } catch (error) {
    logger.fatal(
      `The runtime stops: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    return _exit(1);
  }
}

/** The given client, or the core's default as the layers in `options` extend it. */
function _api(host: string, options: RunOptions): RuntimeApi {
  if (options.runtimeApi !== undefined) return options.runtimeApi;
  const api = createRuntimeApi(host, { transport: options.transport });
  return options.extendRuntimeApi?.(api, host) ?? api;
}

function _exit(code: number): never {
  Deno.exit(code);
}
