/**
 * @rtl/lambda: the AWS Lambda runtime for Deno.
 *
 * Write a handler, call {@linkcode run}, and compile it into a `bootstrap`
 * for Lambda's `provided.al2023` runtime. Every part of the runtime is a seam
 * with a default: the transport, the environment, the context, the error
 * formatter, the logger and the loop itself.
 *
 * @example
 * ```ts ignore
 * import { run } from "@rtl/lambda";
 *
 * run((event: { name: string }, context) => ({
 *   hello: event.name,
 *   requestId: context.awsRequestId,
 * }));
 * ```
 *
 * @module
 */

// Entry points: a function author's and a custom-runtime author's.
export { run } from "./src/run.ts";
export { runLoop } from "./src/core/loop.ts";
export { stream } from "./src/streaming/stream.ts";

// The loop's seams.
export type {
  Decoder,
  Handler,
  Initializer,
  InvocationScope,
  Responder,
  RunOptions,
} from "./src/core/types.ts";
export { decodeJson, respondJson } from "./src/core/codec.ts";

// The Runtime API client.
export type {
  Invocation,
  RespondOptions,
  RuntimeApi,
  StreamOptions,
  Transport,
} from "./src/core/runtime_api.ts";
export { createRuntimeApi } from "./src/core/runtime_api.ts";
export { socketTransport } from "./src/streaming/socket_transport.ts";

// Context and environment.
export type {
  ClientContext,
  CognitoIdentity,
  Context,
  ContextFactory,
} from "./src/core/context.ts";
export { createContext, DeadlineError } from "./src/core/context.ts";
export type {
  EnvironmentSource,
  LambdaEnvironment,
} from "./src/core/environment.ts";
export { readEnvironment } from "./src/core/environment.ts";

// Errors: reports, and the classes users match on.
export type { ErrorFormatter, ErrorReport } from "./src/core/errors.ts";
export {
  EnvironmentError,
  formatError,
  InitError,
  LambdaRuntimeError,
  RuntimeApiError,
  TypedError,
} from "./src/core/errors.ts";

// Logging.
export type { Logger } from "./src/core/logger.ts";
export { logger } from "./src/logging/lambda_logger.ts";

// Streaming.
export type { StreamResult, StreamRunOptions } from "./src/streaming/stream.ts";
export { StreamLimitError } from "./src/streaming/streamer.ts";
