/**
 * @rtl/lambda: the AWS Lambda runtime for Deno, for function authors.
 *
 * Write a handler, call {@linkcode run} (or {@linkcode stream} to stream the
 * result as it is produced), and compile it into a `bootstrap` for Lambda's
 * `provided.al2023` runtime. The seams a custom runtime builds on (the loop,
 * the Runtime API client, codecs, scopes, formatters) are in
 * `@rtl/lambda/runtime`; HTTP front doors in `@rtl/lambda/http`.
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

// Starting the function: its result sent whole, or streamed.
export { run } from "./src/run.ts";
export { stream } from "./src/streaming/stream.ts";
export type { StreamOptions, StreamResult } from "./src/streaming/stream.ts";

// What a function is made of.
export type {
  Handler,
  HandlerSource,
  Initializer,
  RunOptions,
} from "./src/core/types.ts";
export type {
  ClientContext,
  CognitoIdentity,
  Context,
} from "./src/core/context.ts";

// Logging, attributed to the invocation.
export { logger } from "./src/logging/lambda_logger.ts";

// The errors a handler throws (TypedError) or matches on.
export { DeadlineError } from "./src/core/context.ts";
export { TypedError } from "./src/core/errors.ts";
export { StreamLimitError } from "./src/streaming/streamer.ts";
