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
export * from "./src/context.ts";
export * from "./src/environment.ts";
export * from "./src/errors.ts";
export * from "./src/logger.ts";
export * from "./src/version.ts";
