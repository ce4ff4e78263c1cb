/**
 * Waiting until a function is Active and its last update Successful, by
 * polling GetFunctionConfiguration with an injectable delay.
 *
 * @module
 */

import {
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  type LambdaClient,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { DeployError } from "./errors.ts";

/** Resolves after `ms`; injected so that tests need not wait. */
export type Sleep = (ms: number) => Promise<void>;

/** The real delay. */
export const sleep: Sleep = (ms) =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** How often to poll, and for how many attempts. */
export interface WaitOptions {
  /** The longest delay between polls in ms, 1000 by default; the first polls come sooner (100, 200, 400 ms…), as a local or quick update is ready at once. */
  intervalMs?: number;
  /** How many polls before giving up. */
  attempts: number;
  /** The delay. */
  sleep: Sleep;
}

/** Polls until the function is ready; throws a `DeployError` when it failed or took too long. */
export async function waitUntilReady(
  lambda: LambdaClient,
  name: string,
  options: WaitOptions,
): Promise<FunctionConfiguration> {
  let last: FunctionConfiguration | undefined;
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    last = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: name }),
    );
    if (last.State === "Failed") {
      throw new DeployError(
        `${name} failed to become active: ${
          last.StateReason ?? "no reason given"
        } (${last.StateReasonCode ?? "no code"})`,
        "Check the zip (a bootstrap at its root, executable, for the right architecture) and the role.",
      );
    }
    if (last.LastUpdateStatus === "Failed") {
      throw new DeployError(
        `The update of ${name} failed: ${
          last.LastUpdateStatusReason ?? "no reason given"
        } (${last.LastUpdateStatusReasonCode ?? "no code"})`,
        "Fix what the reason names and deploy again.",
      );
    }
    const updated = last.LastUpdateStatus === undefined ||
      last.LastUpdateStatus === "Successful";
    if (last.State === "Active" && updated) return last;
    await options.sleep(
      Math.min(options.intervalMs ?? 1000, 100 * 2 ** attempt),
    );
  }
  throw new DeployError(
    `${name} was not ready after ${options.attempts} checks (State ${last?.State}, LastUpdateStatus ${last?.LastUpdateStatus})`,
    "Raise --wait, or look at the function in the console.",
  );
}
