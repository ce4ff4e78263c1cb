/**
 * The loop's seams: the handler, how events are decoded and results sent,
 * the per-invocation scope, and the options of `run()` and `runLoop()`.
 *
 * @module
 */

import type { Context, ContextFactory } from "./context.ts";
import type { EnvironmentSource, LambdaEnvironment } from "./environment.ts";
import type { ErrorFormatter, ErrorReport } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { Invocation, RuntimeApi, Transport } from "./runtime_api.ts";

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
 * One-time initialisation that returns the handler. Give it to `run()` in
 * the explicit form `run({ init })`: it is called once, before the first
 * `/next`, and a throw is reported on `/init/error`.
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
 * import type { Decoder } from "@rtl/lambda/runtime";
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
 * import type { Responder } from "@rtl/lambda/runtime";
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
 * import type { InvocationScope } from "@rtl/lambda/runtime";
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
  memoryWatch?: {
    /** Checks memory after an invocation whose event was `eventLength` characters long. */
    afterInvocation(eventLength: number): void;
  };
  /** Extra headers for each `/invocation/{id}/error` post; without them, `run()`'s X-Ray layer adds the error cause. */
  errorHeaders?: (report: ErrorReport) => Record<string, string>;
  /** Pauses, in ms, before each retry of a failed `/next`; `[50, 100, 200, 400, 800]` when absent. */
  nextRetryDelays?: readonly number[];
  /** Adds to the default client (not to a given `runtimeApi`) for the Runtime API `host`. */
  extendRuntimeApi?: (api: RuntimeApi, host: string) => RuntimeApi;
}

/**
 * What `run()` and `stream()` accept: a handler, or `{ init }`, an
 * {@linkcode Initializer} called once before the first invocation.
 */
export type HandlerSource<Event = unknown, Result = unknown> =
  | Handler<Event, Result>
  | { readonly init: Initializer<Event, Result> };

/** A watch the loop calls after each invocation: `RunOptions.memoryWatch`. */
export type MemoryWatch = NonNullable<RunOptions["memoryWatch"]>;
