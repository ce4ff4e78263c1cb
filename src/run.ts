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
import { applyLayers, type Layer } from "./core/layer.ts";
import { runResolved } from "./core/loop.ts";
import { createRuntimeApi } from "./core/runtime_api.ts";
import type { Handler, HandlerSource, RunOptions } from "./core/types.ts";
import { safeReport } from "./core/_report.ts";
import { type Resolved, resolveOptions } from "./core/_resolve.ts";
import { resolveHandler } from "./_resolve_handler.ts";
import {
  installLogging,
  logAttributionLayer,
  useAsyncAttribution,
} from "./logging/lambda_logger.ts";
import { createMemoryWatch, memoryWatchLayer } from "./memory/watch.ts";
import { awsLambdaLayer, installAwsLambdaGlobal } from "./node/awslambda.ts";
import { installExecutionEnv } from "./node/execution_env.ts";
import { permissionHintLayer } from "./node/permission_hint.ts";
import { isStreamified } from "./node/streamify.ts";
import { otelLayers } from "./otel/load.ts";
import { xrayLayer } from "./xray/layer.ts";
import { installTraceEnvFor } from "./xray/trace_env.ts";

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
export function run<Event = unknown, Result = unknown>(
  handler: HandlerSource<Event, Result>,
  options: RunOptions = {},
): Promise<void> {
  return runWith(handler, options, []);
}

/**
 * {@linkcode run} with `extra` layers inside its own: how `stream()` is
 * `run()` with the streaming layer. The one place the layers are listed.
 */
export async function runWith<Event = unknown, Result = unknown>(
  handler: HandlerSource<Event, Result>,
  options: RunOptions,
  extra: readonly Layer[],
): Promise<void> {
  // The configuration, read once: every layer and step gets this value.
  let environment: LambdaEnvironment;
  try {
    environment = options.environment ?? readEnvironment(options.env);
  } catch (error) {
    return await _environmentFailed(options, error);
  }
  // Process-wide installs happen here, never on import: console, globalThis.awslambda, AWS_EXECUTION_ENV.
  using logging = installLogging({ logger: options.logger, environment });
  const logger = logging.logger;
  installAwsLambdaGlobal();
  installExecutionEnv();
  const concurrency = options.concurrency ?? environment.maxConcurrency;
  // Overlapping invocations need async-context attribution; one at a time does not load it.
  if (concurrency > 1) {
    await useAsyncAttribution();
    await installAwsLambdaGlobal().InvokeStore.useAsyncContext();
  }
  // With one invocation at a time, the trace id can live in the process env as X-Ray SDKs expect.
  using traceEnv = installTraceEnvFor(concurrency);
  // The features, outermost first; the options' own scope and client are innermost.
  const layers: readonly Layer[] = [
    ...await otelLayers(environment),
    permissionHintLayer,
    awsLambdaLayer,
    logAttributionLayer,
    xrayLayer({ traceEnv, errorCause: options.errorHeaders === undefined }),
    ...(options.memoryWatch === undefined
      ? [memoryWatchLayer(
        createMemoryWatch({ memorySizeMB: environment.memorySizeMB, logger }),
      )]
      : []),
    ...extra,
  ];
  const resolved = applyLayers(
    resolveOptions({ ...options, environment, logger, concurrency }),
    layers,
  );
  const ready = await _initialise(handler, options, resolved);
  if (ready === undefined) return _exit(1);
  try {
    await runResolved(ready, resolved);
  } catch (error) {
    logger.fatal(
      `The runtime stops: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    return _exit(1);
  }
}

/** The handler, or `undefined` once a failed initialisation is logged and posted to `/init/error`. */
async function _initialise<Event, Result>(
  handler: HandlerSource<Event, Result>,
  options: RunOptions,
  resolved: Resolved,
): Promise<Handler<Event, Result> | undefined> {
  const logger = resolved.logger;
  try {
    const ready = await resolveHandler(handler);
    if (isStreamified(ready) && options.respond === undefined) {
      throw new InitError(
        "This handler was written for Node's response streaming (awslambda.streamifyResponse): start it with stream(handler) from @rtl/lambda instead of run(handler)",
      );
    }
    return ready;
  } catch (error) {
    const report = safeReport(resolved.formatError, error);
    logger.fatal(
      `Initialisation failed: ${report.errorType}: ${report.errorMessage}`,
      { stackTrace: report.stackTrace },
    );
    try {
      await resolved.api.failInit(report);
    } catch (postError) {
      logger.error(
        `Could not report the initialisation failure: ${
          postError instanceof Error ? postError.message : String(postError)
        }`,
      );
    }
    return undefined;
  }
}

/** A configuration that cannot be read: one FATAL line, `/init/error` when Lambda is there to hear it, exit 1. */
async function _environmentFailed(
  options: RunOptions,
  error: unknown,
): Promise<never> {
  using logging = installLogging({ logger: options.logger, env: options.env });
  const format = options.formatError ?? permissionHintLayer.formatError!(
    (thrown) => safeReport(undefined, thrown),
  );
  const report = safeReport(format, error);
  logging.logger.fatal(report.errorMessage);
  // A bad reserved variable on Lambda itself is an init failure Lambda should hear of.
  const host = error instanceof EnvironmentError ? error.runtimeApi : undefined;
  if (host !== undefined) {
    const api = options.runtimeApi ??
      createRuntimeApi(host, { transport: options.transport });
    await api.failInit(report).catch(() => {});
  }
  return _exit(1);
}

function _exit(code: number): never {
  Deno.exit(code);
}
