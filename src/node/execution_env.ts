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

import type { LambdaEnvironment } from "../core/environment.ts";

/** The value the runtime gives `AWS_EXECUTION_ENV` when Lambda did not. */
export const EXECUTION_ENV = "AWS_Lambda_deno";

/** Where {@linkcode installExecutionEnv} writes the variable; `Deno.env` by default. */
export interface EnvWriter {
  /** Sets a variable. */
  set(name: string, value: string): void;
}

/**
 * Sets `AWS_EXECUTION_ENV` to {@linkcode EXECUTION_ENV} when the
 * configuration `run()` read names a Runtime API and no `AWS_EXECUTION_ENV`;
 * returns the value set, or undefined when it left the environment alone
 * (also when the function may not write it). It reads nothing itself.
 *
 * @example
 * ```ts
 * import { installExecutionEnv } from "./execution_env.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Map<string, string>();
 * installExecutionEnv({
 *   environment: { runtimeApi: "127.0.0.1:9001" },
 *   env: { set: (name, value) => void env.set(name, value) },
 * });
 * assert.equal(env.get("AWS_EXECUTION_ENV"), "AWS_Lambda_deno");
 * ```
 */
export function installExecutionEnv(
  options: {
    environment?: Pick<LambdaEnvironment, "runtimeApi" | "executionEnv">;
    env?: EnvWriter;
  } = {},
): string | undefined {
  const environment = options.environment;
  if (environment === undefined || environment.runtimeApi === "") {
    return undefined;
  }
  if (environment.executionEnv !== undefined) return undefined;
  try {
    // A write, not a read: the variable is reserved, so only the runtime can give it.
    (options.env ?? Deno.env).set("AWS_EXECUTION_ENV", EXECUTION_ENV);
    return EXECUTION_ENV;
  } catch {
    // Not granted (a function given narrower env access than the defaults): libraries see it unset, as before.
    return undefined;
  }
}
