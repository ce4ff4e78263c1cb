/**
 * The loop: `next` → decode → handler → encode → respond or fail, with K
 * pollers when Lambda asks for concurrency. The only file that knows the
 * order of these steps; each special case is a named step in a `_` file.
 *
 * @module
 */

import type { Handler, RunOptions } from "./types.ts";
import { readEnvironment } from "./environment.ts";
import type { Invocation } from "./runtime_api.ts";
import { admit } from "./_admit.ts";
import { deliver } from "./_deliver.ts";
import { type LoopState, loopState, type Running } from "./_loop_state.ts";
import { type Resolved, resolveOptions } from "./_resolve.ts";
import { nextWithRetry } from "./_next.ts";
import { type DeadlineWatch, deadlineWatch } from "./_deadline_watch.ts";
import { attributeUncaught } from "./_uncaught.ts";
import { releaseEvent } from "./_release.ts";

/**
 * Runs the loop with an already initialised handler until `options.signal`
 * aborts. Rejects with a {@linkcode RuntimeApiError} when the Runtime API
 * says the container is unhealthy (500) or stays unreachable. Use it to
 * build a runtime of your own. `run()` adds initialisation, wraps the loop
 * in its layers (logging, X-Ray, memory, Node's `awslambda`, streaming), and
 * exits the process.
 *
 * @example Driving the loop with an in-memory API
 * ```ts
 * import { runLoop, type RuntimeApi } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * const stop = new AbortController();
 * const responses: string[] = [];
 * const api: RuntimeApi = {
 *   next: async () => ({
 *     requestId: "1", deadlineMs: Date.now() + 1000, invocationId: undefined,
 *     headers: new Headers(), body: '"world"',
 *   }),
 *   respond: async (_invocation, body) => { responses.push(String(body)); stop.abort(); },
 *   fail: async () => {},
 *   failInit: async () => {},
 * };
 * await runLoop((event: string) => `hello ${event}`, {
 *   runtimeApi: api,
 *   environment: { runtimeApi: "-", functionName: "f", functionVersion: "$LATEST", memorySizeMB: 128,
 *     logGroupName: "", logStreamName: "", region: "", handler: "", taskRoot: "",
 *     initializationType: "on-demand", maxConcurrency: 1, logFormat: "Text", logLevel: "" },
 *   signal: stop.signal,
 * });
 * assert.deepEqual(responses, ['"hello world"']);
 * ```
 */
export async function runLoop<Event = unknown, Result = unknown>(
  handler: Handler<Event, Result>,
  options: RunOptions = {},
): Promise<void> {
  // A bad environment rejects, as every other failure of the loop does.
  const environment = options.environment ?? readEnvironment(options.env);
  await runResolved(handler, resolveOptions(options, environment));
}

/** {@linkcode runLoop} over options already resolved: how `run()` starts the loop it composed. */
export async function runResolved<Event = unknown, Result = unknown>(
  handler: Handler<Event, Result>,
  resolved: Resolved,
): Promise<void> {
  const loop = loopState(resolved);
  {
    using _uncaught = attributeUncaught(loop);
    using deadlines = deadlineWatch(loop);
    const pollers: Promise<void>[] = [];
    for (let i = 0; i < loop.concurrency; i++) {
      pollers.push(_poll(loop, handler as Handler, deadlines));
    }
    await Promise.all(pollers);
  }
  if (loop.fatal !== undefined) throw loop.fatal.error;
}

async function _poll(
  loop: LoopState,
  handler: Handler,
  deadlines: DeadlineWatch,
): Promise<void> {
  while (!loop.pollSignal?.aborted && loop.fatal === undefined) {
    const invocation = await nextWithRetry(loop);
    if (invocation === undefined) return;
    const eventLength = invocation.body.length;
    await _invoke(loop, handler, invocation, deadlines);
    loop.memoryWatch?.afterInvocation(eventLength);
  }
}

async function _invoke(
  loop: LoopState,
  handler: Handler,
  invocation: Invocation,
  deadlines: DeadlineWatch,
): Promise<void> {
  const context = admit(loop, invocation);
  if (context instanceof Promise) return await context;
  // An error reported while the handler is being called (reportError) crashes it once it returns.
  let early: { error: unknown } | undefined;
  const entry: Running = {
    invocation,
    context,
    crash: (error) => early ??= { error },
    settled: false,
  };
  loop.running.add(entry);
  try {
    let result: unknown;
    try {
      const event = loop.decode(invocation);
      const call = () => {
        const value = handler(event, context);
        // Only a pending handler can outlive its deadline; a process's first timer costs ms.
        if (typeof (value as PromiseLike<unknown>)?.then === "function") {
          deadlines.watch(entry);
        }
        return Promise.resolve(value);
      };
      const scope = loop.scope;
      const pending = scope ? scope(context, call) : call();
      // The handler's outcome, unless an error nobody caught crashes it first (one promise, not a race's three).
      result = await new Promise((resolve, reject) => {
        entry.crash = reject;
        pending.then(resolve, reject);
        // After the handler's own outcome, as Promise.race ordered them.
        if (early !== undefined) Promise.reject(early.error).catch(reject);
      });
    } catch (error) {
      entry.settled = true;
      return await loop.report(invocation, error);
    }
    // Settled: a later error nobody caught (while the result is sent) is logged, not lost.
    entry.settled = true;
    releaseEvent(invocation, context);
    await deliver(loop, invocation, context, result);
  } finally {
    loop.running.delete(entry);
    // A context's deadline timer must not outlive its invocation.
    (context as Partial<Disposable>)[Symbol.dispose]?.();
  }
}
