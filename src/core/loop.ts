/**
 * The loop: `next` → decode → handler → encode → respond or fail, with K
 * pollers when Lambda asks for concurrency. The only file that knows the
 * order of these steps.
 *
 * @module
 */

import { type Context, type ContextFactory, createContext } from "./context.ts";
import {
  type EnvironmentSource,
  type LambdaEnvironment,
  readEnvironment,
} from "./environment.ts";
import {
  EnvironmentError,
  type ErrorFormatter,
  type ErrorReport,
  formatError,
  InitError,
  RuntimeApiError,
  TypedError,
} from "./errors.ts";
import { type Logger, stderrLogger } from "./logger.ts";
import { createMemoryWatch, type MemoryWatch } from "../memory/watch.ts";
import { installLogging } from "../logging/lambda_logger.ts";
import { installTraceEnv } from "../xray/trace_env.ts";
import {
  XRAY_ERROR_CAUSE_HEADER,
  xrayErrorCause,
} from "../xray/error_cause.ts";
import {
  createRuntimeApi,
  type Invocation,
  type RuntimeApi,
  type Transport,
} from "./runtime_api.ts";

/**
 * A function handler: takes the decoded event and the context, returns the
 * result (or a promise of it), which is sent back as JSON.
 *
 * @example
 * ```ts
 * import type { Handler } from "@rtl/lambda";
 *
 * const handler: Handler<{ name: string }, { greeting: string }> = (event) => ({
 *   greeting: `hello ${event.name}`,
 * });
 * ```
 */
export type Handler<Event = unknown, Result = unknown> = (
  event: Event,
  context: Context,
) => Result | Promise<Result>;

/**
 * One-time initialisation that returns the handler. `run()` treats a
 * function declared with no parameters as an initializer: it is called once,
 * before the first `/next`, and a throw is reported on `/init/error`.
 *
 * @example
 * ```ts
 * import type { Initializer } from "@rtl/lambda";
 *
 * const init: Initializer<{ name: string }, string> = async () => {
 *   const greeting = await Promise.resolve("hello");
 *   return (event) => `${greeting} ${event.name}`;
 * };
 * ```
 */
export type Initializer<Event = unknown, Result = unknown> = () =>
  | Handler<Event, Result>
  | Promise<Handler<Event, Result>>;

/**
 * Turns the raw event into the handler's argument. The default parses JSON;
 * a throw is reported as `Runtime.UnmarshalError`.
 *
 * @example Passing the raw text through
 * ```ts
 * import type { Decoder } from "@rtl/lambda";
 *
 * const raw: Decoder = (invocation) => invocation.body;
 * ```
 */
export type Decoder = (invocation: Invocation) => unknown;

/**
 * Sends the handler's result. The default serialises it as JSON
 * (`undefined` → `null`; a value JSON cannot hold → `Runtime.MarshalError`)
 * and posts it with {@linkcode RuntimeApi.respond}.
 *
 * @example Plain-text responses
 * ```ts
 * import type { Responder } from "@rtl/lambda";
 *
 * const text: Responder = (result, invocation, api) =>
 *   api.respond(invocation, String(result), { contentType: "text/plain" });
 * ```
 */
export type Responder = (
  result: unknown,
  invocation: Invocation,
  api: RuntimeApi,
  context: Context,
) => Promise<void>;

/**
 * Runs the handler inside whatever per-invocation scope a feature needs
 * (log attribution, tracing). Must call `invoke` once and return its result.
 *
 * @example Timing every invocation
 * ```ts
 * import type { InvocationScope } from "@rtl/lambda";
 *
 * const timed: InvocationScope = async (context, invoke) => {
 *   const start = performance.now();
 *   try {
 *     return await invoke();
 *   } finally {
 *     console.log(context.awsRequestId, performance.now() - start);
 *   }
 * };
 * ```
 */
export type InvocationScope = (
  context: Context,
  invoke: () => Promise<unknown>,
) => Promise<unknown>;

/**
 * Everything optional about {@linkcode run} and {@linkcode runLoop}: each
 * seam has a default used when it is absent.
 *
 * @example A custom transport
 * ```ts
 * import type { RunOptions } from "@rtl/lambda";
 *
 * const options: RunOptions = {
 *   transport: (input, init) => fetch(input, init),
 * };
 * ```
 */
export interface RunOptions {
  /** Where the reserved variables come from; `Deno.env` by default. */
  env?: EnvironmentSource;
  /** The environment, already read; takes precedence over `env`. */
  environment?: LambdaEnvironment;
  /** The Runtime API client; built from `transport` when absent. */
  runtimeApi?: RuntimeApi;
  /** The HTTP transport for the default client; the global `fetch` when absent. */
  transport?: Transport;
  /** Builds each invocation's context. */
  createContext?: ContextFactory;
  /** Turns anything thrown into an error report. */
  formatError?: ErrorFormatter;
  /** Turns the raw event into the handler's argument. */
  decode?: Decoder;
  /** Sends the handler's result. */
  respond?: Responder;
  /** Wraps each handler call (log attribution, tracing). */
  scope?: InvocationScope;
  /** Where the runtime's own messages go. */
  logger?: Logger;
  /** How many invocations run at once; `AWS_LAMBDA_MAX_CONCURRENCY` (or 1) when absent. */
  concurrency?: number;
  /** Stops the loop: pending polls are abandoned and `runLoop` resolves. */
  signal?: AbortSignal;
  /** Checks memory after each invocation; `run()` logs near the memory size by default, `runLoop` alone does not. */
  memoryWatch?: MemoryWatch;
}

/**
 * The default {@linkcode Decoder}: `JSON.parse` of the body, once.
 *
 * @example
 * ```ts
 * import { decodeJson } from "@rtl/lambda";
 * import assert from "node:assert/strict";
 *
 * const event = decodeJson({
 *   id: "1", deadlineMs: 0, invocationId: undefined, headers: new Headers(), body: '{"a":1}',
 * });
 * assert.deepEqual(event, { a: 1 });
 * ```
 */
export function decodeJson(invocation: Invocation): unknown {
  try {
    return JSON.parse(invocation.body);
  } catch (error) {
    throw new TypedError(
      "Runtime.UnmarshalError",
      `The event is not valid JSON (${
        error instanceof Error ? error.message : String(error)
      }); the handler was not called`,
      { cause: error },
    );
  }
}

/**
 * The default {@linkcode Responder}: the result as JSON.
 *
 * @example
 * ```ts
 * import { respondJson, type RuntimeApi } from "@rtl/lambda";
 *
 * // await respondJson({ ok: true }, invocation, api, context);
 * const responder: typeof respondJson = respondJson;
 * ```
 */
export function respondJson(
  result: unknown,
  invocation: Invocation,
  api: RuntimeApi,
): Promise<void> {
  let body: string;
  try {
    // JSON.stringify returns undefined for functions and symbols.
    body = JSON.stringify(result === undefined ? null : result) ?? "null";
  } catch (error) {
    throw new TypedError(
      "Runtime.MarshalError",
      `The handler's result cannot be serialised as JSON (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error },
    );
  }
  return api.respond(invocation, body);
}

/** Pauses before each retry of a failed `/next`: about 1.5 s in all, then give up. */
const _NEXT_RETRY_DELAYS = [50, 100, 200, 400, 800];

/** A fault the loop cannot go on after: the process must exit. */
class _Fatal {
  constructor(readonly error: unknown) {}
}

interface _Pending {
  invocation: Invocation;
  context: Context;
  crash: (error: unknown) => void;
}

/**
 * Runs the loop with an already initialised handler until `options.signal`
 * aborts. Rejects with a {@linkcode RuntimeApiError} when the Runtime API
 * says the container is unhealthy (500) or stays unreachable. Use it to
 * build a runtime of your own; {@linkcode run} adds initialisation and exits
 * the process.
 *
 * @example Driving the loop with an in-memory API
 * ```ts
 * import { runLoop, type RuntimeApi } from "@rtl/lambda";
 * import assert from "node:assert/strict";
 *
 * const stop = new AbortController();
 * const responses: string[] = [];
 * const api: RuntimeApi = {
 *   next: async () => ({
 *     id: "1", deadlineMs: Date.now() + 1000, invocationId: undefined,
 *     headers: new Headers(), body: '"world"',
 *   }),
 *   respond: async (_invocation, body) => { responses.push(String(body)); stop.abort(); },
 *   fail: async () => {},
 *   failInit: async () => {},
 * };
 * await runLoop((event: string) => `hello ${event}`, {
 *   runtimeApi: api,
 *   environment: { runtimeApi: "-", functionName: "f", functionVersion: "$LATEST", memorySizeMB: 128,
 *     logGroupName: "", logStreamName: "", region: "", handler: "", taskRoot: "",
 *     initializationType: "on-demand", maxConcurrency: 1, logFormat: "Text", logLevel: "" },
 *   signal: stop.signal,
 * });
 * assert.deepEqual(responses, ['"hello world"']);
 * ```
 */
export async function runLoop<Event = unknown, Result = unknown>(
  handler: Handler<Event, Result>,
  options: RunOptions = {},
): Promise<void> {
  const environment = options.environment ?? readEnvironment(options.env);
  const api = options.runtimeApi ??
    createRuntimeApi(environment.runtimeApi, { transport: options.transport });
  const logger = options.logger ?? stderrLogger;
  const toReport = options.formatError ?? formatError;
  const makeContext = options.createContext ?? createContext;
  const decode = options.decode ?? decodeJson;
  const respond = options.respond ?? respondJson;
  const scope = options.scope;
  const signal = options.signal;
  const memoryWatch = options.memoryWatch;
  const concurrency = options.concurrency ?? environment.maxConcurrency;
  // With one invocation at a time, the trace id can live in the process env as X-Ray SDKs expect.
  using traceEnv = concurrency === 1 && _canWriteTraceEnv()
    ? installTraceEnv()
    : undefined;
  const pending = new Set<_Pending>();
  let fatal: _Fatal | undefined;
  // With K pollers, a fatal answer to one must end the others' long polls too.
  const halt = concurrency > 1 ? new AbortController() : undefined;
  const pollSignal = halt === undefined
    ? signal
    : signal === undefined
    ? halt.signal
    : AbortSignal.any([signal, halt.signal]);

  function stop(error: unknown): void {
    fatal ??= new _Fatal(error);
    halt?.abort();
  }

  function report(
    invocation: Invocation,
    thrown: unknown,
    headers?: Record<string, string>,
  ): Promise<void> {
    const errorReport = _safeReport(toReport, thrown);
    logger.error(
      `Invocation ${invocation.id} failed: ${errorReport.errorType}: ${errorReport.errorMessage}`,
      {
        requestId: invocation.id,
        tenantId: invocation.headers.get("lambda-runtime-aws-tenant-id") ??
          undefined,
        errorType: errorReport.errorType,
        errorMessage: errorReport.errorMessage,
        stackTrace: errorReport.stackTrace,
      },
    );
    const cause = xrayErrorCause(errorReport, environment.taskRoot);
    return api.fail(invocation, errorReport, {
      headers: { [XRAY_ERROR_CAUSE_HEADER]: cause, ...headers },
    }).catch((error) => onPostFailure(invocation, error));
  }

  function onPostFailure(invocation: Invocation, error: unknown): void {
    if (error instanceof RuntimeApiError) {
      if (error.status === 500) {
        stop(error);
        return;
      }
      if (error.status === 410) {
        logger.warn(
          `Invocation ${invocation.id} had already timed out (410 Gone); its result was dropped`,
          { requestId: invocation.id },
        );
        return;
      }
    }
    logger.error(
      `Could not deliver the outcome of invocation ${invocation.id}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { requestId: invocation.id },
    );
  }

  async function deliver(
    invocation: Invocation,
    context: Context,
    result: unknown,
  ): Promise<void> {
    try {
      await respond(result, invocation, api, context);
    } catch (error) {
      if (error instanceof RuntimeApiError && error.status === 413) {
        await report(
          invocation,
          new TypedError(
            "Function.ResponseSizeTooLarge",
            `The response is larger than the Runtime API accepts (Lambda's limit for a buffered response is 6 MB): ${error.message}. Return less, or stream the response.`,
          ),
        );
      } else if (error instanceof RuntimeApiError) {
        onPostFailure(invocation, error);
      } else {
        await report(invocation, error);
      }
    }
  }

  async function invoke(invocation: Invocation): Promise<void> {
    if (invocation.id === "") {
      logger.error(
        "The Runtime API sent an invocation without a Lambda-Runtime-Aws-Request-Id header; it cannot be answered and was skipped",
      );
      return;
    }
    if (!Number.isFinite(invocation.deadlineMs)) {
      await report(
        invocation,
        new TypedError(
          "Runtime.InvalidHeader",
          `Lambda-Runtime-Deadline-Ms is missing or not a number (${
            JSON.stringify(invocation.headers.get("lambda-runtime-deadline-ms"))
          })`,
        ),
      );
      return;
    }
    let context: Context;
    try {
      context = makeContext(invocation, environment);
    } catch (error) {
      await report(invocation, error);
      return;
    }
    traceEnv?.set(context.xRayTraceId);
    const crashed = Promise.withResolvers<never>();
    const entry: _Pending = { invocation, context, crash: crashed.reject };
    pending.add(entry);
    try {
      let result: unknown;
      try {
        const event = decode(invocation) as Event;
        const call = () => Promise.resolve(handler(event, context));
        result = await Promise.race([
          scope ? scope(context, call) : call(),
          crashed.promise,
        ]);
      } catch (error) {
        await report(invocation, error);
        return;
      }
      await deliver(invocation, context, result);
    } finally {
      pending.delete(entry);
      // A context's deadline timer must not outlive its invocation.
      (context as Partial<Disposable>)[Symbol.dispose]?.();
    }
  }

  async function nextWithRetry(): Promise<Invocation | undefined> {
    for (let attempt = 0;; attempt++) {
      try {
        return await api.next(pollSignal);
      } catch (error) {
        if (pollSignal?.aborted) return undefined;
        const status = error instanceof RuntimeApiError ? error.status : 0;
        if (status === 500 || attempt >= _NEXT_RETRY_DELAYS.length) {
          stop(error);
          return undefined;
        }
        logger.warn(
          `Runtime API next failed (${
            error instanceof Error ? error.message : String(error)
          }); retrying in ${_NEXT_RETRY_DELAYS[attempt]} ms`,
        );
        await _sleep(_NEXT_RETRY_DELAYS[attempt], pollSignal);
      }
    }
  }

  async function poll(): Promise<void> {
    while (!pollSignal?.aborted && fatal === undefined) {
      const invocation = await nextWithRetry();
      if (invocation === undefined) return;
      await invoke(invocation);
      memoryWatch?.afterInvocation(invocation.body.length);
    }
  }

  // An error nobody caught while invocations run belongs to them, not to the process.
  function onUncaught(thrown: unknown, kind: string): boolean {
    if (pending.size === 0) return false;
    if (pending.size === 1) {
      for (const entry of pending) entry.crash(_asTyped(thrown, kind));
      return true;
    }
    logger.error(
      `${kind} while ${pending.size} invocations were running; it cannot be attributed to one of them`,
      { error: _safeReport(toReport, thrown) },
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
  try {
    const pollers: Promise<void>[] = [];
    for (let i = 0; i < concurrency; i++) pollers.push(poll());
    await Promise.all(pollers);
  } finally {
    globalThis.removeEventListener("unhandledrejection", onRejection);
    globalThis.removeEventListener("error", onError);
  }
  if (fatal !== undefined) throw fatal.error;
}

/**
 * Starts the function: reads the environment, initialises, and serves
 * invocations until Lambda shuts the sandbox down. Give it a handler, or an
 * initializer (a function declared with no parameters) that returns one.
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
 * run(async () => {
 *   const table = Deno.env.get("TABLE") ?? "demo";
 *   return (event: { name: string }) => ({ hello: event.name, table });
 * });
 * ```
 */
export async function run<Event = unknown, Result = unknown>(
  handler: Handler<Event, Result> | Initializer<Event, Result>,
  options: RunOptions = {},
): Promise<void> {
  // The process-level entry installs Lambda-shaped logs; runLoop stays hook-only.
  using logging = installLogging(options);
  const logger = logging.logger;
  let environment: LambdaEnvironment;
  try {
    environment = options.environment ?? readEnvironment(options.env);
  } catch (error) {
    const report = _safeReport(options.formatError ?? formatError, error);
    logger.fatal(report.errorMessage);
    // A bad reserved variable on Lambda itself is an init failure Lambda should hear of.
    const host = error instanceof EnvironmentError
      ? error.runtimeApi
      : undefined;
    if (host !== undefined) {
      const api = options.runtimeApi ??
        createRuntimeApi(host, { transport: options.transport });
      await api.failInit(report).catch(() => {});
    }
    return _exit(1);
  }
  const api = options.runtimeApi ??
    createRuntimeApi(environment.runtimeApi, { transport: options.transport });
  let ready: Handler<Event, Result>;
  try {
    ready = await _initialise(handler);
  } catch (error) {
    const report = _safeReport(options.formatError ?? formatError, error);
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
  try {
    await runLoop(ready, {
      ...options,
      environment,
      runtimeApi: api,
      logger,
      scope: logging.scope,
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

async function _initialise<Event, Result>(
  handler: Handler<Event, Result> | Initializer<Event, Result>,
): Promise<Handler<Event, Result>> {
  if (typeof handler !== "function") {
    throw new InitError(
      `run() needs a handler function, got ${
        handler === null ? "null" : typeof handler
      }`,
    );
  }
  if (handler.length !== 0) return handler as Handler<Event, Result>;
  const made = await (handler as Initializer<Event, Result>)();
  if (typeof made !== "function") {
    throw new InitError(
      `run() was given a function with no parameters, so it called it once as an initializer, ` +
        `but it returned ${
          made === null ? "null" : typeof made
        } instead of a handler. ` +
        `To pass a handler that ignores its event, declare the parameter: run((_event) => …)`,
    );
  }
  return made;
}

function _exit(code: number): never {
  Deno.exit(code);
}

function _safeReport(format: ErrorFormatter, thrown: unknown): ErrorReport {
  try {
    const report = format(thrown);
    if (
      typeof report?.errorMessage === "string" &&
      typeof report.errorType === "string" && Array.isArray(report.stackTrace)
    ) return report;
  } catch {
    // A custom formatter failed: fall back to the one that cannot.
  }
  return formatError(thrown);
}

function _asTyped(thrown: unknown, kind: string): unknown {
  const report = formatError(thrown);
  const error = new TypedError(kind, report.errorMessage, { cause: thrown });
  if (thrown instanceof Error && thrown.stack) error.stack = thrown.stack;
  return error;
}

function _canWriteTraceEnv(): boolean {
  try {
    return Deno.permissions.querySync({
      name: "env",
      variable: "_X_AMZN_TRACE_ID",
    }).state === "granted";
  } catch {
    return false;
  }
}

function _sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
