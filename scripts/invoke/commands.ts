/**
 * The durable commands of `deno task invoke`: a callback completed, failed
 * or kept alive, and an execution's history printed (or followed).
 *
 * @module
 */

import {
  historyPage,
  sendCallbackFailure,
  sendCallbackHeartbeat,
  sendCallbackSuccess,
} from "./durable.ts";
import { followHistory } from "./history.ts";

/** The options these commands read. */
export interface DurableValues {
  url: string;
  watch: boolean;
  interval: string;
  history?: string;
  data?: string;
  file?: string;
  "callback-success"?: string;
  "callback-failure"?: string;
  "callback-heartbeat"?: string;
  "error-type"?: string;
  "error-message"?: string;
}

/** Whether the command line asks for one of these commands rather than an invocation. */
export function isDurableCommand(values: DurableValues): boolean {
  return values.history !== undefined ||
    values["callback-success"] !== undefined ||
    values["callback-failure"] !== undefined ||
    values["callback-heartbeat"] !== undefined;
}

/** Runs the command; resolves with the exit code. `payload` reads --data or --file for a callback's result. */
export async function durableCommand(
  values: DurableValues,
  payload: () => Promise<Uint8Array | number>,
): Promise<number> {
  const { url } = values;
  const success = values["callback-success"];
  const failure = values["callback-failure"];
  const heartbeat = values["callback-heartbeat"];
  if (success !== undefined) {
    const result = values.data === undefined
      ? new Uint8Array()
      : await payload();
    if (typeof result === "number") return result;
    await sendCallbackSuccess(url, success, result);
    console.error(`callback ${success} succeeded`);
    return 0;
  }
  if (failure !== undefined) {
    const type = values["error-type"];
    const message = values["error-message"];
    if (type === undefined || message === undefined) {
      console.error(
        "--callback-failure needs --error-type TYPE and --error-message MESSAGE (and takes --data DATA)",
      );
      return 2;
    }
    await sendCallbackFailure(url, failure, {
      ErrorType: type,
      ErrorMessage: message,
      ...(values.data === undefined ? {} : { ErrorData: values.data }),
    });
    console.error(`callback ${failure} failed with ${type}`);
    return 0;
  }
  if (heartbeat !== undefined) {
    await sendCallbackHeartbeat(url, heartbeat);
    console.error(`callback ${heartbeat} heartbeat sent`);
    return 0;
  }
  return await _history(values);
}

async function _history(values: DurableValues): Promise<number> {
  const intervalMs = Number(values.interval);
  if (!Number.isInteger(intervalMs) || intervalMs < 1) {
    console.error(
      `--interval is a whole number of ms, got "${values.interval}"`,
    );
    return 2;
  }
  const arn = values.history!;
  const last = await followHistory({
    page: (marker) => historyPage(values.url, arn, marker),
    print: (line) => console.log(line),
    watch: values.watch,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    intervalMs,
  });
  // Watched to its end: the exit code says how it ended.
  return values.watch && last !== "ExecutionSucceeded" ? 1 : 0;
}
