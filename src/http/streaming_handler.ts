/**
 * The streaming mode of the HTTP adapter: the handler's `Response` goes out
 * as Lambda's streamed HTTP response (function URLs with
 * `InvokeMode: RESPONSE_STREAM`, API Gateway's streaming proxy integration),
 * its body chunk by chunk as it is produced.
 *
 * @module
 */

import { httpIntegrationStream } from "../streaming/http_prelude.ts";
import type { Handler } from "../core/types.ts";
import {
  handleHttpEvent,
  type HttpHandler,
  type HttpOptions,
} from "./handler.ts";
import { isBodiless, responseHead } from "./_headers.ts";
import { adapterFor } from "./convert.ts";

/**
 * Wraps an {@linkcode HttpHandler} into a core `Handler` whose result is the
 * streamed HTTP response: the prelude (status, headers, cookies, as the
 * buffered results carry them), eight NUL bytes, then the body. What
 * `serveStream(handler)` runs; send its result with the
 * content type `application/vnd.awslambda.http-integration-response`
 * (`stream(handler, { contentType: HTTP_INTEGRATION_CONTENT_TYPE })`).
 * Failures before the response (a throw, a bad event) are answered as
 * `createHttpHandler` answers them.
 *
 * @example
 * ```ts
 * import { createStreamingHttpHandler } from "@rtl/lambda/http";
 * import { createContext, readEnvironment } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * const handler = createStreamingHttpHandler(() => new Response("hi", { status: 202 }));
 * const context = createContext(
 *   { requestId: "req-1", deadlineMs: Date.now() + 3000, invocationId: undefined, headers: new Headers(), body: "" },
 *   readEnvironment({ AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" }),
 * );
 * const body = await handler({
 *   version: "2.0",
 *   rawPath: "/",
 *   rawQueryString: "",
 *   headers: { host: "abc123.lambda-url.us-east-1.on.aws" },
 *   requestContext: { http: { method: "GET" }, domainName: "abc123.lambda-url.us-east-1.on.aws" },
 * }, context);
 * const text = await new Response(body).text();
 * assert.ok(text.startsWith('{"statusCode":202,'));
 * assert.ok(text.endsWith("\0".repeat(8) + "hi"));
 * (context as Partial<Disposable>)[Symbol.dispose]?.();
 * ```
 */
export function createStreamingHttpHandler(
  handler: HttpHandler,
  options: HttpOptions = {},
): Handler<unknown, ReadableStream<Uint8Array>> {
  return async (event, context) => {
    const { source, response } = await handleHttpEvent(
      handler,
      event,
      context,
      options,
    );
    const { statusCode, headers, cookies } = responseHead(response);
    const prelude = { statusCode, headers, cookies };
    // HEAD and bodiless statuses send the head only, as the buffered path does.
    if (
      adapterFor(source).method(event) === "HEAD" || isBodiless(statusCode)
    ) {
      await response.body?.cancel().catch(() => {});
      return httpIntegrationStream(new Response(null), prelude);
    }
    return httpIntegrationStream(response, prelude);
  };
}
