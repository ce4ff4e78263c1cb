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

export * from "./src/runtime.ts";
export * from "./src/runtime_api.ts";
export * from "./src/stream.ts";
export * from "./src/streaming.ts";
export * from "./src/http_integration.ts";
export * from "./src/http1/client.ts";
export * from "./src/socket_transport.ts";
export {
  Http1ProtocolError,
  type Http1Response,
} from "./src/http1/response.ts";
export type { HeaderList } from "./src/http1/encode.ts";
export * from "./src/context.ts";
export * from "./src/environment.ts";
export * from "./src/errors.ts";
export * from "./src/logger.ts";
export * from "./src/logging.ts";
export * from "./src/log_format.ts";
export * from "./src/xray.ts";
export * from "./src/trace_env.ts";
export * from "./src/heap.ts";
export * from "./src/memory_watch.ts";
export * from "./src/version.ts";
