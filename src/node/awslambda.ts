/**
 * `globalThis.awslambda` as Lambda's Node runtime provides it, so Node
 * libraries (Powertools Logger, Metrics, Tracer, Idempotency) run unchanged:
 * an {@linkcode InvokeStore}, `streamifyResponse` and
 * `HttpResponseStream.from`. `installAwsLambdaGlobal()` sets it once;
 * {@linkcode awsLambdaScope} fills the store for each invocation and is
 * meant for `runLoop`'s `scope` option (composed with the log scope by
 * `run()`). `AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA=1` leaves the global alone,
 * as on Node.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import type { LambdaEnvironment } from "../core/environment.ts";
import type { Layer } from "../core/layer.ts";
import type { InvocationScope } from "../core/types.ts";
import { InvokeStore, PROTECTED_KEYS } from "./invoke_store.ts";

/** Marks a handler written for Node's response streaming. */
export const STREAMING_HANDLER: symbol = Symbol.for(
  "aws.lambda.runtime.handler.streaming",
);

/** The content type Lambda's Node runtime gives an HTTP-integration stream. */
export const HTTP_INTEGRATION_CONTENT_TYPE =
  "application/vnd.awslambda.http-integration-response";

/** What `globalThis.awslambda` holds. */
export interface AwsLambdaGlobal {
  /** The per-invocation store. */
  InvokeStore: InvokeStore;
  /** Marks `handler(event, responseStream, context)` as streaming. */
  streamifyResponse<H extends (...args: never[]) => unknown>(handler: H): H;
  /** Writes the HTTP prelude (status, headers, cookies) before the body. */
  HttpResponseStream: {
    from<S extends WritableLike>(stream: S, prelude: object): S;
  };
}

/** The part of a Node writable `HttpResponseStream.from` uses. */
export interface WritableLike {
  /** Writes a chunk. */
  write(chunk: Uint8Array | string): unknown;
  /** The content type, when the stream has one (Lambda's does). */
  setContentType?(type: string): void;
}

let _global: AwsLambdaGlobal | undefined;

/**
 * Sets `globalThis.awslambda` (once) unless the configuration says
 * `AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA` is `1` or `true`; returns it. The
 * configuration is the one `run()` read: this never reads the environment.
 */
export function installAwsLambdaGlobal(
  options: {
    environment?: Pick<LambdaEnvironment, "noGlobalAwsLambda">;
  } = {},
): AwsLambdaGlobal {
  _global ??= {
    InvokeStore: new InvokeStore(),
    streamifyResponse: (handler) =>
      Object.assign(handler, { [STREAMING_HANDLER]: "response" }),
    HttpResponseStream: { from: _httpResponseStream },
  };
  if (options.environment?.noGlobalAwsLambda !== true) {
    const target = globalThis as { awslambda?: Record<string, unknown> };
    target.awslambda = Object.assign(target.awslambda ?? {}, _global);
  }
  return _global;
}

/** Runs each invocation inside its own InvokeStore context (request id, trace id, tenant id). */
export const awsLambdaScope: InvocationScope = (
  context: Context,
  invoke: () => Promise<unknown>,
) =>
  // Installed once, not per invocation.
  (_global ?? installAwsLambdaGlobal()).InvokeStore.run({
    [PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId,
    [PROTECTED_KEYS.X_RAY_TRACE_ID]: context.xRayTraceId,
    [PROTECTED_KEYS.TENANT_ID]: context.tenantId,
  }, invoke);

/** The layer `run()` lists: each handler call runs in its own InvokeStore context. */
export const awsLambdaLayer: Layer = {
  name: "awslambda",
  scope: awsLambdaScope,
};

/** Wraps a handler so that it runs in {@linkcode awsLambdaScope}, for use before `run()` composes it. */
export function withAwsLambdaScope<E, R>(
  handler: (event: E, context: Context) => R | Promise<R>,
): (event: E, context: Context) => Promise<R> {
  installAwsLambdaGlobal();
  return (event, context) =>
    awsLambdaScope(
      context,
      async () => await handler(event, context),
    ) as Promise<R>;
}

function _httpResponseStream<S extends WritableLike>(
  stream: S,
  prelude: object,
): S {
  // Our own writable takes the prelude as data: stream() sends it as the HTTP response's head.
  const ours = stream as S & { setPrelude?: (prelude: object) => void };
  if (typeof ours.setPrelude === "function") {
    ours.setPrelude(prelude);
    return stream;
  }
  stream.setContentType?.(HTTP_INTEGRATION_CONTENT_TYPE);
  // The prelude's JSON then eight zero bytes, as Lambda's HTTP integration reads it.
  stream.write(new TextEncoder().encode(JSON.stringify(prelude)));
  stream.write(new Uint8Array(8));
  return stream;
}
