/**
 * The seams a custom runtime and the project's own tools build on: the
 * loop, the Runtime API client and its transports, the codecs, the
 * per-invocation scope, the context and environment, the error formatter
 * and the logger. A function author needs none of them: `@rtl/lambda`'s
 * `run()` wires their defaults.
 *
 * @example A loop of your own over the default client
 * ```ts ignore
 * import { createRuntimeApi, readEnvironment, runLoop } from "@rtl/lambda/runtime";
 *
 * const environment = readEnvironment();
 * await runLoop((event) => event, {
 *   environment,
 *   runtimeApi: createRuntimeApi(environment.runtimeApi),
 * });
 * ```
 *
 * @module
 */

// The loop and its seams.
export { runLoop } from "./core/loop.ts";
export type {
  Decoder,
  InvocationScope,
  MemoryWatch,
  Responder,
} from "./core/types.ts";
export { decodeJson, respondJson } from "./core/codec.ts";

// The Runtime API client.
export type {
  Invocation,
  RespondOptions,
  ResponseStreamOptions,
  RuntimeApi,
  Transport,
} from "./core/runtime_api.ts";
export { createRuntimeApi } from "./core/runtime_api.ts";
export { socketTransport } from "./streaming/socket_transport.ts";
export {
  streamResponder,
  type StreamResponderOptions,
} from "./streaming/stream.ts";

// Context and environment.
export type { ContextFactory } from "./core/context.ts";
export { createContext, LegacyCompletionError } from "./core/context.ts";
export type {
  EnvironmentSource,
  LambdaEnvironment,
  OtelSettings,
} from "./core/environment.ts";
export {
  DEFAULT_OTEL_FLUSH_MS,
  DEFAULT_OTLP_ENDPOINT,
  ENVIRONMENT_VARIABLES,
  readEnvironment,
} from "./core/environment.ts";
export { OTEL_DEFAULTS } from "./otel/defaults.ts";

// Error reports and the runtime's own errors.
export type { ErrorFormatter, ErrorReport } from "./core/errors.ts";
export {
  EnvironmentError,
  formatError,
  InitError,
  LambdaRuntimeError,
  RuntimeApiError,
} from "./core/errors.ts";
export { permissionHint } from "./node/permission_hint.ts";

// The logger's shape.
export type { LogFields, Logger, LogLevel } from "./core/logger.ts";
