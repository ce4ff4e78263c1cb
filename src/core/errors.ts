/**
 * Error classes with stable names, and the formatter that turns anything
 * thrown into the Runtime API's error report.
 *
 * @module
 */

import { errorTypeHeaderValue } from "./_header.ts";

/**
 * The error payload the Runtime API expects on `/invocation/{id}/error` and
 * `/init/error`.
 *
 * @example Shape of a report
 * ```ts
 * import type { ErrorReport } from "@rtl/lambda/runtime";
 *
 * const report: ErrorReport = {
 *   errorMessage: "boom",
 *   errorType: "Error",
 *   stackTrace: ["at handler (file:///main.ts:3:9)"],
 * };
 * ```
 */
export interface ErrorReport {
  /** The error's message. */
  errorMessage: string;
  /** The error's type, also sent as `Lambda-Runtime-Function-Error-Type`. */
  errorType: string;
  /** The stack, one frame per entry, without the `Name: message` line. */
  stackTrace: string[];
}

/**
 * Turns anything thrown into an {@linkcode ErrorReport}. A seam: pass your
 * own in {@linkcode RunOptions.formatError}.
 *
 * @example A formatter that hides messages
 * ```ts
 * import type { ErrorFormatter } from "@rtl/lambda/runtime";
 *
 * const opaque: ErrorFormatter = () => ({
 *   errorMessage: "internal error",
 *   errorType: "Error",
 *   stackTrace: [],
 * });
 * ```
 */
export type ErrorFormatter = (thrown: unknown) => ErrorReport;

/**
 * Base class of every error this package throws; match on `name`.
 *
 * @example Matching by name
 * ```ts
 * import { LambdaRuntimeError } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * const error = new LambdaRuntimeError("something went wrong");
 * assert.equal(error.name, "LambdaRuntimeError");
 * ```
 */
export class LambdaRuntimeError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LambdaRuntimeError";
  }
}

/**
 * The Runtime API answered a request with an unexpected status, or could
 * not be reached. `status` is 0 when there was no HTTP answer at all.
 *
 * @example
 * ```ts
 * import { RuntimeApiError } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * const error = new RuntimeApiError("next", 500, "container error");
 * assert.equal(error.name, "RuntimeApiError");
 * assert.equal(error.status, 500);
 * ```
 */
export class RuntimeApiError extends LambdaRuntimeError {
  /** The Runtime API call: `next`, `response`, `error` or `init/error`. */
  readonly operation: string;
  /** The HTTP status, or 0 when the request got no answer. */
  readonly status: number;
  /** Creates the error. */
  constructor(
    operation: string,
    status: number,
    detail: string,
    options?: ErrorOptions & {
      /** Which API, in the message; `Runtime API` when absent. */
      api?: string;
    },
  ) {
    const api = options?.api ?? "Runtime API";
    super(
      status === 0
        ? `${api} ${operation} failed: ${detail}`
        : `${api} ${operation} answered ${status}: ${detail}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "RuntimeApiError";
    this.operation = operation;
    this.status = status;
  }
}

/**
 * An environment variable the runtime needs is missing or malformed.
 *
 * @example
 * ```ts
 * import { EnvironmentError } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new EnvironmentError("x").name, "EnvironmentError");
 * ```
 */
export class EnvironmentError extends LambdaRuntimeError {
  /** `AWS_LAMBDA_RUNTIME_API` when it was valid and another variable was not: where the failure can be reported. */
  readonly runtimeApi: string | undefined;

  /** Creates the error. */
  constructor(
    message: string,
    options?: ErrorOptions & { runtimeApi?: string },
  ) {
    super(message, options);
    this.name = "EnvironmentError";
    this.runtimeApi = options?.runtimeApi;
  }
}

/**
 * The function's initialisation failed; reported on `/init/error`.
 *
 * @example
 * ```ts
 * import { InitError } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new InitError("no table").name, "InitError");
 * ```
 */
export class InitError extends LambdaRuntimeError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InitError";
  }
}

/**
 * An error whose report type is fixed, such as `Runtime.UnmarshalError`.
 * The loop raises these for faults that are not the handler's own throws.
 *
 * @example
 * ```ts
 * import { TypedError } from "@rtl/lambda";
import { formatError } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * const report = formatError(new TypedError("Runtime.MarshalError", "cannot serialise"));
 * assert.equal(report.errorType, "Runtime.MarshalError");
 * ```
 */
export class TypedError extends LambdaRuntimeError {
  /** The `errorType` the report carries. */
  readonly errorType: string;
  /** Creates the error. */
  constructor(errorType: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TypedError";
    this.errorType = errorType;
  }
}

const _MAX_MESSAGE = 256 * 1024;

/**
 * The default {@linkcode ErrorFormatter}: `Error`s give their name, message
 * and stack; anything else (a string, an object, `null`) still gives a
 * well-formed report whose `errorType` is its `typeof`, as in Node's runtime.
 * It never throws, whatever getters or cycles the value has.
 *
 * @example
 * ```ts
 * import { formatError } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(formatError("boom"), {
 *   errorMessage: "boom",
 *   errorType: "string",
 *   stackTrace: [],
 * });
 * const report = formatError(new TypeError("bad"));
 * assert.equal(report.errorType, "TypeError");
 * assert.equal(report.errorMessage, "bad");
 * ```
 */
export function formatError(thrown: unknown): ErrorReport {
  try {
    if (_isErrorLike(thrown)) {
      const errorType = thrown instanceof TypedError
        ? thrown.errorType
        : _text(_get(thrown, "name")) || "Error";
      const errorMessage = _text(_get(thrown, "message"));
      return {
        errorMessage: _clip(errorMessage),
        errorType: errorTypeHeaderValue(errorType),
        stackTrace: _stackLines(_get(thrown, "stack")),
      };
    }
    return {
      errorMessage: _clip(_describe(thrown)),
      errorType: thrown === null ? "object" : typeof thrown,
      stackTrace: [],
    };
  } catch {
    return {
      errorMessage: "a value was thrown that could not be described",
      errorType: "Runtime.UnknownError",
      stackTrace: [],
    };
  }
}

function _isErrorLike(value: unknown): value is object {
  if (value instanceof Error) return true;
  if (typeof value !== "object" || value === null) return false;
  return typeof _get(value, "message") === "string" &&
    typeof _get(value, "stack") === "string";
}

function _get(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function _text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return _describe(value);
}

function _describe(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return Deno.inspect(value, { depth: 4, colors: false, iterableLimit: 50 });
  } catch {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}

function _stackLines(stack: unknown): string[] {
  if (typeof stack !== "string") return [];
  const lines = stack.split("\n");
  const frames: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed.startsWith("at ")) frames.push(trimmed);
  }
  return frames;
}

function _clip(text: string): string {
  return text.length > _MAX_MESSAGE ? text.slice(0, _MAX_MESSAGE) + "…" : text;
}
