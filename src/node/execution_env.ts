/**
 * `AWS_EXECUTION_ENV` for the libraries that only switch on inside Lambda:
 * Lambda sets it in its managed runtimes (`AWS_Lambda_nodejs22.x`) and
 * leaves it unset in `provided.al2023`, where Powertools Tracer, which
 * enables itself only when it is set, would silently send nothing. The
 * variable is reserved, so a function cannot set it in its configuration:
 * the runtime sets it, once at start (not per invocation: glibc never frees
 * a value `setenv` replaces).
 *
 * @module
 */

/** The value the runtime gives `AWS_EXECUTION_ENV` when Lambda did not. */
export const EXECUTION_ENV = "AWS_Lambda_deno";

/** The process environment as {@linkcode installExecutionEnv} uses it. */
export interface EnvAccess {
  /** A variable's value; undefined when unset. */
  get(name: string): string | undefined;
  /** Sets a variable. */
  set(name: string, value: string): void;
}

/**
 * Sets `AWS_EXECUTION_ENV` to {@linkcode EXECUTION_ENV} when the process
 * runs under a Runtime API (`AWS_LAMBDA_RUNTIME_API` is set) and the variable
 * is unset; returns the value set, or undefined when it left the environment
 * alone (also when the function may not read or write it).
 *
 * @example
 * ```ts
 * import { installExecutionEnv } from "./execution_env.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Map([["AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"]]);
 * installExecutionEnv({
 *   env: { get: (name) => env.get(name), set: (name, value) => void env.set(name, value) },
 * });
 * assert.equal(env.get("AWS_EXECUTION_ENV"), "AWS_Lambda_deno");
 * ```
 */
export function installExecutionEnv(
  options: { env?: EnvAccess } = {},
): string | undefined {
  const env = options.env ?? Deno.env;
  try {
    if (env.get("AWS_LAMBDA_RUNTIME_API") === undefined) return undefined;
    if (env.get("AWS_EXECUTION_ENV") !== undefined) return undefined;
    env.set("AWS_EXECUTION_ENV", EXECUTION_ENV);
    return EXECUTION_ENV;
  } catch {
    // Not granted (a function given narrower env access than the defaults): libraries see it unset, as before.
    return undefined;
  }
}
