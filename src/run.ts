/**
 * `run()`: the composition root. The only module that knows every layer:
 * it reads the environment, initialises, and runs the core loop with
 * Lambda logging, the X-Ray trace env and error cause, the memory watch and
 * the streaming client composed in through the loop's seams, then exits.
 *
 * @module
 */

import { readConfiguration } from "./core/environment.ts";
import type { Layer } from "./core/layer.ts";
import { runResolved } from "./core/loop.ts";
import type { HandlerSource, RunOptions } from "./core/types.ts";
import { resolveOptions } from "./core/_resolve.ts";
import { initialise } from "./_initialise.ts";
import {
  installLogging,
  logAttributionLayer,
  useAsyncAttribution,
} from "./logging/lambda_logger.ts";
import { createMemoryWatch, memoryWatchLayer } from "./memory/watch.ts";
import { awsLambdaLayer, installAwsLambdaGlobal } from "./node/awslambda.ts";
import { installExecutionEnv } from "./node/execution_env.ts";
import { permissionHintLayer } from "./node/permission_hint.ts";
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
 * `run()` with the streaming layer. The one place the layers are listed,
 * and the one step that resolves the options: the environment is read once,
 * and each install, layer and step gets that value, as a pipeline.
 */
export async function runWith<Event = unknown, Result = unknown>(
  handler: HandlerSource<Event, Result>,
  options: RunOptions,
  extra: readonly Layer[],
): Promise<void> {
  // The configuration, read once (with defaults where it cannot run, so the failure is logged as configured).
  const { environment, error } = options.environment === undefined
    ? readConfiguration(options.env)
    : { environment: options.environment, error: undefined };
  // Process-wide installs happen here, never on import: console, globalThis.awslambda, AWS_EXECUTION_ENV.
  using logging = installLogging({ logger: options.logger, environment });
  const logger = logging.logger;
  const awslambda = installAwsLambdaGlobal({ environment });
  installExecutionEnv({ environment });
  const concurrency = options.concurrency ?? environment.maxConcurrency;
  // Overlapping invocations need async-context attribution; one at a time does not load it.
  if (concurrency > 1) {
    await useAsyncAttribution();
    await awslambda.InvokeStore.useAsyncContext();
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
  const resolved = resolveOptions(
    { ...options, logger, concurrency },
    environment,
    layers,
  );
  const streaming = options.respond !== undefined;
  const ready = await initialise(handler, resolved, error, streaming);
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

function _exit(code: number): never {
  Deno.exit(code);
}
