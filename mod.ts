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

export * from "./src/core/loop.ts";
export * from "./src/core/runtime_api.ts";
export * from "./src/streaming/stream.ts";
export * from "./src/streaming/streamer.ts";
export * from "./src/streaming/http_prelude.ts";
export * from "./src/streaming/_http1/client.ts";
export * from "./src/streaming/socket_transport.ts";
export {
  Http1ProtocolError,
  type Http1Response,
} from "./src/streaming/_http1/response.ts";
export type { HeaderList } from "./src/streaming/_http1/encode.ts";
export * from "./src/core/context.ts";
export * from "./src/core/environment.ts";
export * from "./src/core/errors.ts";
export * from "./src/core/logger.ts";
export * from "./src/logging/lambda_logger.ts";
export * from "./src/logging/_format.ts";
export * from "./src/xray/error_cause.ts";
export * from "./src/xray/trace_env.ts";
export * from "./src/memory/heap.ts";
export * from "./src/memory/watch.ts";
export * from "./src/core/version.ts";
