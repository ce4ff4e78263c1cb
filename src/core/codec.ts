/**
 * The default decoder and responder: JSON in, JSON out.
 *
 * @module
 */

import { TypedError } from "./errors.ts";
import type { Invocation, RuntimeApi } from "./runtime_api.ts";

/**
 * The default {@linkcode Decoder}: `JSON.parse` of the body, once.
 *
 * @example
 * ```ts
 * import { decodeJson } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * const event = decodeJson({
 *   requestId: "1", deadlineMs: 0, invocationId: undefined, headers: new Headers(), body: '{"a":1}',
 * });
 * assert.deepEqual(event, { a: 1 });
 * ```
 */
export function decodeJson(invocation: Invocation): unknown {
  try {
    return JSON.parse(invocation.body);
  } catch (error) {
    throw new TypedError(
      "Runtime.UnmarshalError",
      `The event is not valid JSON (${
        error instanceof Error ? error.message : String(error)
      }); the handler was not called`,
      { cause: error },
    );
  }
}

/**
 * The default {@linkcode Responder}: the result as JSON.
 *
 * @example
 * ```ts
 * import { respondJson, type RuntimeApi } from "@rtl/lambda/runtime";
 *
 * // await respondJson({ ok: true }, invocation, api, context);
 * const responder: typeof respondJson = respondJson;
 * ```
 */
export function respondJson(
  result: unknown,
  invocation: Invocation,
  api: RuntimeApi,
): Promise<void> {
  if (typeof result === "function") {
    // Likely `run(async () => handler)` written for the old implicit initializer form.
    throw new TypedError(
      "Runtime.MarshalError",
      "The handler returned a function, which JSON cannot hold. For one-time initialisation, pass an initializer explicitly: run({ init: async () => handler })",
    );
  }
  let body: string;
  try {
    // JSON.stringify returns undefined for functions and symbols.
    body = JSON.stringify(result === undefined ? null : result) ?? "null";
  } catch (error) {
    throw new TypedError(
      "Runtime.MarshalError",
      `The handler's result cannot be serialised as JSON (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error },
    );
  }
  return api.respond(invocation, body);
}
