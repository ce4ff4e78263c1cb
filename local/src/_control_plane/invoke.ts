// Invoke and InvokeWithResponseStream of a deployed name: passed to the process its qualifier names.
import { forwardInvocation } from "../_forward.ts";
import { through } from "./inflight.ts";
import {
  assertNotDurableCall,
  durableConfigOf,
  invokeDurable,
  isEngineInvocation,
} from "./durable.ts";
import type { Call } from "./router.ts";
import { target } from "./runners.ts";
import { parseFunctionName } from "./wire.ts";

/** Invoke (`/2015-03-31/…/invocations`). */
export function invoke(call: Call) {
  return _invoke(call, "2015-03-31", "invocations");
}

/** InvokeWithResponseStream (`/2021-11-15/…/response-streaming-invocations`). */
export function invokeStream(call: Call) {
  return _invoke(call, "2021-11-15", "response-streaming-invocations");
}

async function _invoke(
  { request, params, url, store }: Call,
  date: string,
  operation: string,
): Promise<Response | undefined> {
  const { name } = parseFunctionName(params.fn!, url.searchParams);
  // A name this plane did not deploy is the emulator's own function's.
  if (!store.functions.has(name)) return undefined;
  // The durable engine invoking the emulator's own function: its emulator answers.
  if (isEngineInvocation(request, store)) return undefined;
  const { fn, qualifier } = store.find(params.fn!, url.searchParams);
  const durable = durableConfigOf(fn, qualifier);
  if (durable !== undefined && operation === "invocations") {
    return await invokeDurable(
      { request, params, url, store },
      fn,
      qualifier,
      durable,
    );
  }
  if (durable === undefined) assertNotDurableCall(request, fn);
  const { runner, version } = await target(store, fn, qualifier);
  const path = `/${date}/functions/${encodeURIComponent(fn.name)}/${operation}`;
  return await through(
    runner,
    (to) => forwardInvocation(request, to.url, path, version),
  );
}
