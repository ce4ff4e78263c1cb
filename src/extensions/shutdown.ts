/**
 * Graceful shutdown: clean-up that runs when Lambda shuts the execution
 * environment down (flush a buffer, close a pool).
 *
 * Lambda sends the runtime `SIGTERM` before it ends the sandbox only when
 * at least one extension is registered. {@linkcode onShutdown} therefore
 * registers an internal extension for no events (internal extensions may not
 * register for `SHUTDOWN`), makes its one `/extension/event/next` call so the
 * init phase can end, and listens for `SIGTERM`. On the signal it runs the
 * hooks together, waits for them at most `budgetMs`, logs the ones that
 * failed or did not finish, and exits.
 *
 * The budget: Lambda's shutdown phase lasts at most 500 ms for a function
 * with an internal extension (of the 2,000 ms a function with external
 * extensions gets, the runtime has up to 500 ms when it has an internal
 * one), then what is still running gets `SIGKILL`. The default, 400 ms,
 * leaves room to log and exit.
 *
 * Call it during init: before `run()`, or in the initializer.
 *
 * @example
 * ```ts ignore
 * import { run } from "@rtl/lambda";
 * import { onShutdown } from "@rtl/lambda/shutdown";
 *
 * const buffer: string[] = [];
 * await onShutdown(async function flushBuffer() {
 *   await sendSomewhere(buffer.splice(0));
 * });
 * run((event: { line: string }) => {
 *   buffer.push(event.line);
 *   return "buffered";
 * });
 * ```
 *
 * @module
 */

import { EnvironmentError } from "../core/errors.ts";
import { createExtensionsApi, type Extension } from "./client.ts";
import type { Logger } from "../core/logger.ts";
import { logger as lambdaLogger } from "../logging/lambda_logger.ts";
import type { Transport } from "../core/runtime_api.ts";

/**
 * A clean-up hook. It receives a signal that aborts when the budget runs out.
 *
 * @example
 * ```ts
 * import type { ShutdownHook } from "@rtl/lambda/shutdown";
 *
 * const closePool: ShutdownHook = async (signal) => {
 *   await fetch("http://127.0.0.1:1/close", { signal }).catch(() => {});
 * };
 * ```
 */
export type ShutdownHook = (signal: AbortSignal) => unknown;

/**
 * Options for {@linkcode onShutdown}.
 *
 * @example
 * ```ts
 * import type { ShutdownOptions } from "@rtl/lambda/shutdown";
 *
 * const options: ShutdownOptions = { budgetMs: 300 };
 * ```
 */
export interface ShutdownOptions {
  /** How long the hooks may run after `SIGTERM`, in ms; 400 when absent. */
  budgetMs?: number;
  /** The internal extension's name; `rtl-lambda-graceful-shutdown` when absent. */
  extensionName?: string;
  /** `host:port` of the Extensions API; `AWS_LAMBDA_RUNTIME_API` when absent. */
  runtimeApi?: string;
  /** The HTTP transport; the global `fetch` when absent. */
  transport?: Transport;
  /** Where progress and leftovers are logged; the Lambda logger (`logger`) when absent. */
  logger?: Logger;
  /** Ends the process once the hooks are done; `Deno.exit` when absent. */
  exit?: (code: number) => void;
}

/**
 * What a shutdown run found.
 *
 * @example
 * ```ts
 * import type { ShutdownResult } from "@rtl/lambda/shutdown";
 *
 * const result: ShutdownResult = { finished: ["flushBuffer"], failed: [], unfinished: [] };
 * ```
 */
export interface ShutdownResult {
  /** Hooks that completed, by name. */
  finished: string[];
  /** Hooks that threw, by name, with the reason. */
  failed: { hook: string; reason: string }[];
  /** Hooks still running when the budget ran out, by name. */
  unfinished: string[];
}

/**
 * The registration {@linkcode onShutdown} made: add more hooks to it, or
 * run them yourself.
 *
 * @example
 * ```ts ignore
 * import { onShutdown } from "@rtl/lambda/shutdown";
 *
 * const shutdown = await onShutdown(() => console.log("first"));
 * shutdown.add(() => console.log("second"));
 * ```
 */
export interface GracefulShutdown extends Disposable {
  /** The internal extension's `Lambda-Extension-Identifier`. */
  readonly extensionId: string;
  /** Adds a hook. */
  add(hook: ShutdownHook): void;
  /** Removes a hook. */
  remove(hook: ShutdownHook): void;
  /** Runs the hooks now, within the budget, without exiting. */
  run(): Promise<ShutdownResult>;
  /** Stops listening for `SIGTERM` and abandons the extension's pending `/next`. */
  [Symbol.dispose](): void;
}

/**
 * Registers `hook` (and any added later) to run when Lambda shuts the
 * sandbox down: registers an internal extension, listens for `SIGTERM`, and
 * on it runs the hooks within the budget and exits 0. Call it during init.
 * A later call while the first registration stands adds its hook to it (the
 * first call's options stand), and disposing what it returned removes that
 * hook only: one extension and one `SIGTERM` listener per process.
 *
 * Rejects with an {@linkcode ExtensionsApiError} when the registration is
 * refused (for one, after the init phase), or an `EnvironmentError` when
 * there is no Runtime API to register with.
 *
 * @example Against an Extensions API of your own
 * ```ts
 * import { onShutdown } from "@rtl/lambda/shutdown";
 * import assert from "node:assert/strict";
 *
 * const transport = async (input: string | URL | Request) =>
 *   String(input).endsWith("/register")
 *     ? Response.json({}, { headers: { "lambda-extension-identifier": "id-1" } })
 *     : new Promise<Response>(() => {}); // /event/next: no events, ever
 * const closed: string[] = [];
 * using shutdown = await onShutdown(() => { closed.push("pool"); }, {
 *   runtimeApi: "127.0.0.1:9001",
 *   transport,
 *   logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} },
 * });
 * const result = await shutdown.run();
 * assert.deepEqual(closed, ["pool"]);
 * assert.equal(result.finished.length, 1);
 * ```
 */
export async function onShutdown(
  hook: ShutdownHook,
  options: ShutdownOptions = {},
): Promise<GracefulShutdown> {
  // One extension and one SIGTERM listener per process: later hooks join the first registration.
  if (_current !== undefined) {
    const shared = await _current;
    shared.add(hook);
    return {
      extensionId: shared.extensionId,
      add: shared.add,
      remove: shared.remove,
      run: shared.run,
      [Symbol.dispose]: () => shared.remove(hook),
    };
  }
  const registering = _register(hook, options);
  _current = registering;
  registering.catch(() => {
    if (_current === registering) _current = undefined;
  });
  return await registering;
}

let _current: Promise<GracefulShutdown> | undefined;

async function _register(
  hook: ShutdownHook,
  options: ShutdownOptions,
): Promise<GracefulShutdown> {
  const budgetMs = options.budgetMs ?? 400;
  const logger = options.logger ?? lambdaLogger;
  const exit = options.exit ?? ((code: number) => Deno.exit(code));
  const host = options.runtimeApi ?? _runtimeApiFromEnv();
  const api = createExtensionsApi(host, { transport: options.transport });
  const extension = await api.register(
    options.extensionName ?? "rtl-lambda-graceful-shutdown",
    [],
  );
  const hooks: ShutdownHook[] = [hook];
  const stop = new AbortController();
  _idle(extension, stop.signal, logger);

  let running: Promise<ShutdownResult> | undefined;
  function runHooks(): Promise<ShutdownResult> {
    running ??= _runHooks([...hooks], budgetMs, logger);
    return running;
  }

  let listening = true;
  async function onSignal(): Promise<void> {
    logger.info(
      `SIGTERM: running ${hooks.length} shutdown hook${
        hooks.length === 1 ? "" : "s"
      } (budget ${budgetMs} ms)`,
    );
    await runHooks();
    exit(0);
  }
  Deno.addSignalListener("SIGTERM", onSignal);

  return {
    extensionId: extension.id,
    add(more) {
      hooks.push(more);
    },
    remove(less) {
      const at = hooks.indexOf(less);
      if (at >= 0) hooks.splice(at, 1);
    },
    run: runHooks,
    [Symbol.dispose]() {
      if (!listening) return;
      listening = false;
      Deno.removeSignalListener("SIGTERM", onSignal);
      stop.abort();
      _current = undefined;
    },
  };
}

/** The one `/next` an extension registered for no events makes: it ends the init phase and never returns. */
async function _idle(
  extension: Extension,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await extension.next(signal);
    } catch (error) {
      if (!signal.aborted) {
        logger.debug(
          `The shutdown extension's /next ended: ${
            error instanceof Error ? error.message : String(error)
          }`,
        );
      }
      return;
    }
  }
}

async function _runHooks(
  hooks: ShutdownHook[],
  budgetMs: number,
  logger: Logger,
): Promise<ShutdownResult> {
  const deadline = new AbortController();
  const result: ShutdownResult = { finished: [], failed: [], unfinished: [] };
  const names = hooks.map((hook, index) => hook.name || `hook #${index + 1}`);
  const settled = new Array<boolean>(hooks.length).fill(false);
  const runs = hooks.map(async (hook, index) => {
    try {
      await hook(deadline.signal);
      result.finished.push(names[index]);
    } catch (error) {
      result.failed.push({
        hook: names[index],
        reason: error instanceof Error
          ? `${error.name}: ${error.message}`
          : String(error),
      });
    } finally {
      settled[index] = true;
    }
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outOfTime = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, budgetMs);
  });
  await Promise.race([Promise.all(runs), outOfTime]);
  clearTimeout(timer);
  deadline.abort(
    new DOMException(
      `The ${budgetMs} ms shutdown budget ran out`,
      "TimeoutError",
    ),
  );
  for (let index = 0; index < hooks.length; index++) {
    if (!settled[index]) result.unfinished.push(names[index]);
  }
  for (const { hook, reason } of result.failed) {
    logger.error(`Shutdown hook ${hook} failed: ${reason}`);
  }
  if (result.unfinished.length > 0) {
    logger.warn(
      `Shutdown hooks still running after ${budgetMs} ms, abandoned: ${
        result.unfinished.join(", ")
      }`,
    );
  }
  return result;
}

function _runtimeApiFromEnv(): string {
  let value: string | undefined;
  try {
    value = Deno.env.get("AWS_LAMBDA_RUNTIME_API");
  } catch {
    // No permission: reported below as missing.
  }
  if (!value) {
    throw new EnvironmentError(
      "onShutdown() registers an extension with the Runtime API, but AWS_LAMBDA_RUNTIME_API is not set (run it on Lambda, or under the emulator)",
    );
  }
  return value;
}
