/**
 * What the control plane hands the code that runs a deployed function, and
 * what it gets back.
 *
 * @module
 */

/**
 * A function as deployed: its unzipped code and its configuration.
 *
 * @example
 * ```ts
 * import type { DeployedFunction } from "@rtl/lambda-local";
 *
 * const describe = (fn: DeployedFunction) => `${fn.name} in ${fn.dir}`;
 * ```
 */
export interface DeployedFunction {
  /** The function's name. */
  readonly name: string;
  /** Its ARN (unqualified). */
  readonly arn: string;
  /** The version it runs as: `$LATEST`, or a published version's number. */
  readonly version: string;
  /** The folder the zip was unpacked into (the task root); its files are read-only. */
  readonly dir: string;
  /** The handler setting (`_HANDLER`). */
  readonly handler: string;
  /** The timeout in seconds. */
  readonly timeout: number;
  /** The memory size in MB. */
  readonly memory: number;
  /** The function's environment variables. */
  readonly environment: Record<string, string>;
  /** `x86_64` or `arm64`. */
  readonly architecture: string;
  /** The folder its layers make its `/opt` (read-only), when it has layers. */
  readonly opt?: string;
  /** Whether it has a DurableConfig: its process then reaches the durable API. */
  readonly durable?: boolean;
}

/**
 * A deployed function running: invocations go to
 * `${url}/2015-03-31/functions/${name}/invocations`.
 *
 * @example
 * ```ts
 * import type { Runner } from "@rtl/lambda-local";
 *
 * const runner: Runner = { url: "http://127.0.0.1:9001", close: async () => {} };
 * ```
 */
export interface Runner {
  /** The invoke API's base URL. */
  readonly url: string;
  /** Stops the function. */
  close(): Promise<void>;
}
