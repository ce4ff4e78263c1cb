/**
 * The invocation context: built from the `/next` headers and the
 * environment, with names compatible with Node's Lambda runtime, plus a
 * deadline `AbortSignal`.
 *
 * @module
 */

import type { LambdaEnvironment } from "./environment.ts";
import { LambdaRuntimeError } from "./errors.ts";
import type { Invocation } from "./runtime_api.ts";

/**
 * Cognito identity of the caller (mobile SDK invocations).
 *
 * @example
 * ```ts
 * import type { CognitoIdentity } from "@rtl/lambda";
 *
 * const identity: CognitoIdentity = { cognitoIdentityId: "id", cognitoIdentityPoolId: "pool" };
 * ```
 */
export interface CognitoIdentity {
  /** The Cognito identity id. */
  cognitoIdentityId: string;
  /** The Cognito identity pool id. */
  cognitoIdentityPoolId: string;
}

/**
 * Client context of the caller (mobile SDK invocations), as sent in
 * `Lambda-Runtime-Client-Context`. Shaped as `@types/aws-lambda`'s (and so
 * Hono's) `ClientContext`, so adapters written for Node accept the context.
 *
 * @example
 * ```ts
 * import type { ClientContext } from "@rtl/lambda";
 *
 * const clientContext: ClientContext = {
 *   client: { installationId: "i", appTitle: "t", appVersionName: "1", appVersionCode: "1", appPackageName: "p" },
 *   env: { platformVersion: "14", platform: "iOS", make: "Apple", model: "iPhone", locale: "en_GB" },
 *   Custom: { tier: "gold" },
 * };
 * ```
 */
export interface ClientContext {
  /** The client application. */
  client: {
    installationId: string;
    appTitle: string;
    appVersionName: string;
    appVersionCode: string;
    appPackageName: string;
  };
  /** Custom values set by the client, as the header's JSON has them. */
  custom?: Record<string, unknown>;
  /** The same under the name Node's runtime types give it (`@types/aws-lambda`). */
  Custom?: unknown;
  /** The client's environment. */
  env: {
    platformVersion: string;
    platform: string;
    make: string;
    model: string;
    locale: string;
  };
}

/**
 * What a handler receives beside its event. Field names match Node's
 * runtime (`awsRequestId`, `getRemainingTimeInMillis()`, …) so handlers and
 * adapters written for it accept this context.
 *
 * @example
 * ```ts
 * import type { Context } from "@rtl/lambda";
 *
 * async function handler(_event: unknown, context: Context) {
 *   const response = await fetch("https://example.com", { signal: context.signal });
 *   return { status: response.status, requestId: context.awsRequestId };
 * }
 * ```
 */
export interface Context {
  /** The request id (`Lambda-Runtime-Aws-Request-Id`). */
  readonly awsRequestId: string;
  /** The function ARN the caller invoked, with its alias or version. */
  readonly invokedFunctionArn: string;
  /** Deadline in milliseconds since the Unix epoch (`Lambda-Runtime-Deadline-Ms`). */
  readonly deadlineMs: number;
  /** The X-Ray trace header (`Lambda-Runtime-Trace-Id`), if any. */
  readonly xRayTraceId: string | undefined;
  /** The tenant id (`Lambda-Runtime-Aws-Tenant-Id`), if any. */
  readonly tenantId: string | undefined;
  /** `Lambda-Runtime-Invocation-Id`, if Lambda sent one. */
  readonly invocationId: string | undefined;
  /** Parsed `Lambda-Runtime-Client-Context`, if any. */
  readonly clientContext: ClientContext | undefined;
  /** Parsed `Lambda-Runtime-Cognito-Identity`, if any. */
  readonly identity: CognitoIdentity | undefined;
  /** `AWS_LAMBDA_FUNCTION_NAME`. */
  readonly functionName: string;
  /** `AWS_LAMBDA_FUNCTION_VERSION`. */
  readonly functionVersion: string;
  /** Memory size in MB, a string as in Node's runtime. */
  readonly memoryLimitInMB: string;
  /** `AWS_LAMBDA_LOG_GROUP_NAME`. */
  readonly logGroupName: string;
  /** `AWS_LAMBDA_LOG_STREAM_NAME`. */
  readonly logStreamName: string;
  /** Kept for Node compatibility; the runtime never waits for the event loop. */
  callbackWaitsForEmptyEventLoop: boolean;
  /** Aborts with a {@linkcode DeadlineError} when the deadline is reached. */
  readonly signal: AbortSignal;
  /**
   * The event exactly as the Runtime API sent it, before decoding (the same
   * string, not a copy). Empty once the handler has returned: a large event's
   * text is not kept while the result is serialised.
   */
  readonly rawEvent: string;
  /** Milliseconds left before the deadline, never negative. */
  getRemainingTimeInMillis(): number;
  /**
   * Node's legacy completion method, removed from Node's runtime with
   * `nodejs24.x`: present so that libraries typed with `@types/aws-lambda`'s
   * `Context` (AWS's durable execution SDK, middy, …) accept this context.
   * Return the result or throw instead; calling it throws a
   * {@linkcode LegacyCompletionError}.
   *
   * @deprecated Return the result, or throw.
   */
  done(error?: Error, result?: unknown): never;
  /**
   * Node's legacy completion method; throws a {@linkcode LegacyCompletionError}.
   *
   * @deprecated Throw instead.
   */
  fail(error: Error | string): never;
  /**
   * Node's legacy completion method; throws a {@linkcode LegacyCompletionError}.
   *
   * @deprecated Return the result instead.
   */
  succeed(messageOrObject: unknown, object?: unknown): never;
}

/**
 * Builds a {@linkcode Context} from an invocation. A seam: pass your own in
 * {@linkcode RunOptions.createContext}.
 *
 * @example Adding a field
 * ```ts
 * import { createContext, type ContextFactory } from "@rtl/lambda/runtime";
 *
 * const withStart: ContextFactory = (invocation, environment) =>
 *   Object.assign(createContext(invocation, environment), { startedAt: Date.now() });
 * ```
 */
export type ContextFactory = (
  invocation: Invocation,
  environment: LambdaEnvironment,
) => Context;

/**
 * The reason `context.signal` aborts with when the deadline is reached.
 *
 * @example
 * ```ts
 * import { DeadlineError } from "@rtl/lambda";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new DeadlineError("req-1").name, "DeadlineError");
 * ```
 */
export class DeadlineError extends LambdaRuntimeError {
  /** Creates the error for the request id. */
  constructor(requestId: string) {
    super(`Invocation ${requestId} reached its deadline`);
    this.name = "DeadlineError";
  }
}

/**
 * Thrown by `context.done`, `context.fail` and `context.succeed`: Node's
 * legacy completion methods, which Node's runtime removed with `nodejs24.x`.
 * The message names the fix (return the result, or throw).
 *
 * @example
 * ```ts
 * import { LegacyCompletionError } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new LegacyCompletionError("succeed").name, "LegacyCompletionError");
 * ```
 */
export class LegacyCompletionError extends LambdaRuntimeError {
  /** Creates the error for the method called. */
  constructor(method: "done" | "fail" | "succeed") {
    super(
      `context.${method}() is Node's legacy completion method, which Node's runtime removed with nodejs24.x; ${
        method === "fail"
          ? "throw the error from the handler instead"
          : method === "succeed"
          ? "return the result from the handler instead"
          : "return the result or throw the error from the handler instead"
      }`,
    );
    this.name = "LegacyCompletionError";
  }
}

class _Context implements Context {
  readonly awsRequestId: string;
  readonly invokedFunctionArn: string;
  readonly deadlineMs: number;
  readonly xRayTraceId: string | undefined;
  readonly tenantId: string | undefined;
  readonly invocationId: string | undefined;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly rawEvent: string;
  callbackWaitsForEmptyEventLoop = false;
  #headers: Headers;
  #clientContext: ClientContext | undefined | null = null;
  #identity: CognitoIdentity | undefined | null = null;
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #disposed = false;

  constructor(invocation: Invocation, environment: LambdaEnvironment) {
    const headers = invocation.headers;
    this.#headers = headers;
    this.awsRequestId = invocation.requestId;
    this.invokedFunctionArn =
      headers.get("lambda-runtime-invoked-function-arn") ??
        "";
    this.deadlineMs = invocation.deadlineMs;
    this.xRayTraceId = headers.get("lambda-runtime-trace-id") ?? undefined;
    this.tenantId = headers.get("lambda-runtime-aws-tenant-id") ?? undefined;
    this.invocationId = invocation.invocationId;
    this.functionName = environment.functionName;
    this.functionVersion = environment.functionVersion;
    this.memoryLimitInMB = String(environment.memorySizeMB);
    this.logGroupName = environment.logGroupName;
    this.logStreamName = environment.logStreamName;
    this.rawEvent = invocation.body;
  }

  // Parsed on first use: most handlers never read them.
  get clientContext(): ClientContext | undefined {
    if (this.#clientContext === null) {
      this.#clientContext = _parseHeaderJson<ClientContext>(
        this.#headers,
        "lambda-runtime-client-context",
      );
    }
    return this.#clientContext;
  }

  get identity(): CognitoIdentity | undefined {
    if (this.#identity === null) {
      this.#identity = _parseHeaderJson<CognitoIdentity>(
        this.#headers,
        "lambda-runtime-cognito-identity",
      );
    }
    return this.#identity;
  }

  // The timer exists only for handlers that read the signal.
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      const left = this.getRemainingTimeInMillis();
      const reason = new DeadlineError(this.awsRequestId);
      // Read after the invocation ended: no timer may outlive it, and its time is up.
      if (left <= 0 || this.#disposed) controller.abort(reason);
      else {
        this.#timer = setTimeout(() => controller.abort(reason), left);
      }
    }
    return this.#controller.signal;
  }

  getRemainingTimeInMillis(): number {
    return Math.max(0, this.deadlineMs - Date.now());
  }

  done(): never {
    throw new LegacyCompletionError("done");
  }

  fail(): never {
    throw new LegacyCompletionError("fail");
  }

  succeed(): never {
    throw new LegacyCompletionError("succeed");
  }

  /** Called by the loop when the invocation is over: the timer must not outlive it. */
  [Symbol.dispose](): void {
    this.#disposed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}

/**
 * The default {@linkcode ContextFactory}. Malformed client-context or
 * identity headers read as `undefined` rather than failing the invocation,
 * with a warning in the log that names the header.
 *
 * @example
 * ```ts
 * import { createContext, readEnvironment } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * const environment = readEnvironment({
 *   AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
 *   AWS_LAMBDA_FUNCTION_NAME: "echo",
 * });
 * const deadlineMs = Date.now() + 3000;
 * const context = createContext({
 *   requestId: "req-1",
 *   deadlineMs,
 *   invocationId: undefined,
 *   headers: new Headers({ "lambda-runtime-aws-tenant-id": "blue" }),
 *   body: "{}",
 * }, environment);
 * assert.equal(context.awsRequestId, "req-1");
 * assert.equal(context.functionName, "echo");
 * assert.equal(context.tenantId, "blue");
 * assert.ok(context.getRemainingTimeInMillis() <= 3000);
 * ```
 */
export function createContext(
  invocation: Invocation,
  environment: LambdaEnvironment,
): Context {
  return new _Context(invocation, environment);
}

function _parseHeaderJson<T>(headers: Headers, name: string): T | undefined {
  const raw = headers.get(name);
  if (raw === null || raw === "") return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch (error) {
    // console, not a logger import: run() routes console through the Lambda logger.
    console.warn(
      `The ${name} header is not valid JSON (${
        error instanceof Error ? error.message : String(error)
      }); the context's field is undefined`,
    );
    return undefined;
  }
}
