/**
 * The local Lambda: a Runtime API for the function process and an invoke
 * API for callers, with Lambda's timeout, payload limits, concurrency and
 * platform log lines.
 *
 * @module
 */

import type { ServerResponse } from "node:http";
import type { OutputSink, OutputSource } from "./function_process.ts";
import { createExtensionHost } from "./extension_host.ts";
import { CgroupShell } from "./_cgroups.ts";
import { createFreezer } from "./freezer.ts";
import { createMemoryLimits } from "./memory.ts";
import { errorOutcome, type Outcome } from "./_outcome.ts";
import { functionEnvironment } from "./environment.ts";
import { serveInvokeApi } from "./invoke_api.ts";
import { createLogTail } from "./log_tail.ts";
import {
  deliverEvent,
  fromBase64,
  type RuntimeInvocation,
  startRuntimeApiServer,
} from "./runtime_api_server.ts";
import { createSupervisor, type Instance } from "./supervisor.ts";
import {
  exitWords,
  initErrorLine,
  initTimeoutLine,
  reportLine,
} from "./platform_lines.ts";

/**
 * How to run a function under the emulator.
 *
 * @example
 * ```ts
 * import type { EmulatorOptions } from "@rtl/lambda-local";
 *
 * const options: EmulatorOptions = {
 *   command: [Deno.execPath(), "run", "--allow-env", "--allow-net=127.0.0.1", "main.ts"],
 *   timeout: 3,
 *   port: 0,
 * };
 * ```
 */
export interface EmulatorOptions {
  /** The function process: an executable (a `bootstrap`, or `deno`) and its arguments. */
  command: string[];
  /** The task root: the process's working directory and `LAMBDA_TASK_ROOT`. */
  cwd?: string;
  /** Variables for the function, added to the reserved ones. */
  env?: Record<string, string>;
  /** The function timeout in seconds; 3 when absent, as on Lambda. */
  timeout?: number;
  /**
   * The init phase's limit in seconds; 10 when absent, as on Lambda. An init
   * cut at it runs again inside the first invocation, under the function
   * timeout (Lambda's suppressed init).
   */
  initTimeout?: number;
  /**
   * Gives each function process a new empty `TMPDIR` (and `DENO_DIR` in it),
   * as each new sandbox gets an empty `/tmp`, so a built bootstrap's Init
   * Duration is its cold start; off when absent (a `.ts` entry needs the
   * machine's cache for its npm packages).
   */
  freshTmp?: boolean;
  /**
   * Reserved concurrency: synchronous callers beyond this many invocations
   * in flight get Lambda's `429 TooManyRequestsException`; absent, they queue.
   */
  reservedConcurrency?: number;
  /** How long a caller of the invoke API may take to send its headers, in seconds; 10 when absent. */
  headersTimeout?: number;
  /** The memory size in MB (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`); 128 when absent. */
  memory?: number;
  /** Invocations one process serves at once (`AWS_LAMBDA_MAX_CONCURRENCY`); 1 when absent. */
  concurrency?: number;
  /** Where the invoke API listens; `127.0.0.1` when absent. */
  hostname?: string;
  /** The invoke API's port; 9000 when absent, 0 for any free port. */
  port?: number;
  /** The function's name; `function` when absent. */
  functionName?: string;
  /** The version it runs as (`AWS_LAMBDA_FUNCTION_VERSION`, the START line); `$LATEST` when absent. */
  functionVersion?: string;
  /** Receives each line the function writes and the platform lines; stderr when absent. */
  output?: OutputSink;
  /** A folder of extension executables (like `/opt/extensions`), started before the function. */
  extensionsDir?: string;
  /** More routes on the invoke API's server (a control plane), tried first; `undefined` passes the request on. */
  routes?: (request: Request) => Promise<Response | undefined>;
}

/**
 * A running emulator. Close it (or `await using` it) to end the function
 * process and both servers.
 *
 * @example
 * ```ts ignore
 * import { startEmulator } from "@rtl/lambda-local";
 *
 * await using emulator = await startEmulator({ command: ["./bootstrap"], port: 0 });
 * const response = await emulator.invoke('"hello"');
 * console.log(await response.text());
 * ```
 */
export interface Emulator extends AsyncDisposable {
  /** The invoke API's base URL, `http://host:port`. */
  readonly url: string;
  /** `host:port` of the Runtime API: the function's `AWS_LAMBDA_RUNTIME_API`. */
  readonly runtimeApi: string;
  /** Invokes the function synchronously: a POST to the invoke endpoint. */
  invoke(
    event: string | Uint8Array,
    init?: { signal?: AbortSignal; headers?: HeadersInit },
  ): Promise<Response>;
  /**
   * Starts the function anew (its sources changed): invocations in flight
   * finish on the old process, the next ones go to a new one, whose init
   * starts at once.
   */
  reload(): void;
  /** Ends the function process and closes both servers. */
  close(): Promise<void>;
}

/**
 * The error a port already in use turns into, with what to do about it.
 *
 * @example
 * ```ts
 * import { PortInUseError } from "@rtl/lambda-local";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new PortInUseError("127.0.0.1", 9000).name, "PortInUseError");
 * ```
 */
export class PortInUseError extends Error {
  /** Creates the error for the address. */
  constructor(hostname: string, port: number, options?: ErrorOptions) {
    super(
      `${hostname}:${port} is already in use: stop what listens there, or pass --port with another port (0 for any free one)`,
      options,
    );
    this.name = "PortInUseError";
  }
}

/** Lambda gives the init phase 10 seconds. */
const _INIT_LIMIT_MS = 10_000;

interface _Waiter {
  response: ServerResponse;
  owner: Instance | undefined;
}

interface _Invocation extends RuntimeInvocation {
  event: Uint8Array;
  traceId: string;
  clientContext: string | undefined;
  tenantId: string | undefined;
  instance: Instance | undefined;
  startedAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  deadlineMs: number;
  delivered: boolean;
  replied: boolean;
  completed: boolean;
  outcome: Promise<Outcome>;
}

/**
 * Starts the Runtime API, the invoke API and the function process.
 *
 * The function is started at once (as Lambda's init phase) and again after
 * it exits or is killed for a timeout, when the next invocation comes.
 *
 * @example
 * ```ts ignore
 * import { startEmulator } from "@rtl/lambda-local";
 *
 * const emulator = await startEmulator({
 *   command: [Deno.execPath(), "run", "--allow-env", "--allow-net=127.0.0.1", "main.ts"],
 *   port: 0,
 * });
 * try {
 *   const response = await emulator.invoke(JSON.stringify({ name: "Ada" }));
 *   console.log(response.headers.get("x-amz-function-error"), await response.json());
 * } finally {
 *   await emulator.close();
 * }
 * ```
 */
export async function startEmulator(
  options: EmulatorOptions,
): Promise<Emulator> {
  if (options.command.length === 0 || options.command[0] === "") {
    throw new TypeError("The emulator needs a command to run the function");
  }
  const timeoutMs = (options.timeout ?? 3) * 1000;
  const initLimitMs = options.initTimeout === undefined
    ? _INIT_LIMIT_MS
    : options.initTimeout * 1000;
  const memory = options.memory ?? 128;
  const concurrency = options.concurrency ?? 1;
  const reserved = options.reservedConcurrency;
  // Invocations in flight at once: one process's concurrency.
  const limit = concurrency;
  const functionName = options.functionName ?? "function";
  const functionVersion = options.functionVersion ?? "$LATEST";
  const hostname = options.hostname ?? "127.0.0.1";
  const logTail = createLogTail(options.output ?? _stderrSink);
  // One shell writes every cgroup file of the sandbox, memory and freezer.
  const shell = _cgroupShell();
  // Made before the memory groups: a killed emulator's frozen processes are thawed before they are killed.
  const freezer = await createFreezer({ shell });
  const extensions = createExtensionHost({
    dir: options.extensionsDir,
    output: logTail.sink,
    inInit: () => supervisor.current?.ready !== true,
    functionName,
    freezer,
    onIdle: freezeWhenIdle,
  });
  const output = extensions.output;
  const region = options.env?.AWS_REGION ?? "us-east-1";
  const arn = `arn:aws:lambda:${region}:123456789012:function:${functionName}`;

  const queue: _Invocation[] = [];
  const waiters: _Waiter[] = [];
  const active = new Map<string, _Invocation>();
  const ended = new Map<string, "completed" | "timed out">();
  let closing = false;
  let platformLines = Promise.resolve();

  /** Platform lines keep their order even when one of them waits for a memory reading. */
  function platform(line: string | Promise<string>): void {
    platformLines = platformLines.then(async () =>
      output(await line, "platform")
    );
  }

  const runtimeServer = await startRuntimeApiServer({
    extensions,
    next: onNext,
    initError(outcome) {
      const current = supervisor.current;
      if (current !== undefined) current.initError = outcome;
    },
    find: (id) => active.get(id) ?? ended.get(id),
    settle: (invocation, outcome) => settle(invocation as _Invocation, outcome),
    platform,
  });
  const runtimeApi = runtimeServer.address;
  const env = functionEnvironment({
    runtimeApi,
    functionName,
    functionVersion,
    memory,
    concurrency,
    region,
    cwd: options.cwd ?? Deno.cwd(),
    env: options.env,
  });
  const limits = await createMemoryLimits(memory, { shell });
  const supervisor = createSupervisor({
    command: options.command,
    cwd: options.cwd,
    env,
    output,
    limits,
    initLimitMs,
    freshTmp: options.freshTmp,
    freezer,
    onExit,
  });

  function onExit(
    exited: Instance,
    status: Deno.CommandStatus,
    outOfMemory: boolean,
  ): void {
    if (closing) return;
    const how = exitWords(status);
    const heap = exited.heapLimit;
    const errorType = outOfMemory || heap
      ? "Runtime.OutOfMemory"
      : "Runtime.ExitError";
    // Lambda's words: an exit without an error status gives no reason.
    const reason = status.code === 0 && status.signal === null
      ? "Runtime exited without providing a reason"
      : `Runtime exited with error: ${how}`;
    if (heap) {
      platform(
        `The function ran out of memory: V8 reached its heap limit, which is sized to --memory ${memory} MB (${how})`,
      );
    }
    let working = false;
    for (const invocation of [...active.values()]) {
      if (invocation.instance !== exited) continue;
      working = true;
      // A process that ends once its deadline has passed ended of it: the timeout is the answer.
      if (Date.now() >= invocation.deadlineMs) {
        onTimeout(invocation);
        continue;
      }
      if (!exited.ready && exited.initError !== undefined) {
        finish(invocation, exited.initError, "completed", errorType);
        continue;
      }
      const message = `RequestId: ${invocation.id} Error: ${reason}`;
      platform(message);
      platform(errorType);
      finish(
        invocation,
        errorOutcome("Runtime.ExitError", message),
        "completed",
        errorType,
      );
    }
    const initMs = performance.now() - exited.startedAt;
    if (exited.initTimedOut) {
      platform(initTimeoutLine(initMs));
      // Lambda's suppressed init: the next process inits inside the first invocation, under its timeout.
      if (queue.length > 0) {
        supervisor.spawn({ suppressed: true });
        begin(queue.shift()!, supervisor.current);
      }
      return;
    }
    if (!exited.ready) {
      if (exited.suppressed) {
        platform(
          initErrorLine(
            initMs,
            exited.initError?.errorType ?? errorType,
            "invoke",
          ),
        );
        dispatch();
        return;
      }
      platform(
        initErrorLine(initMs, exited.initError?.errorType ?? errorType),
      );
      // Lambda answers the waiting invocations with the init error, then tries init again on the next.
      for (const invocation of queue.splice(0)) {
        invocation.reply(
          exited.initError ?? errorOutcome(
            errorType,
            `RequestId: ${invocation.id} Error: ${reason}`,
          ),
        );
        invocation.completed = true;
      }
      return;
    }
    if (!working && !exited.retired) {
      platform(
        `The function process ended between invocations (${how}); the next invocation starts a new one`,
      );
    }
    dispatch();
  }

  let reloading = false;
  /** A pending reload happens once the current process has nothing in flight. */
  function reloadWhenIdle(): void {
    if (!reloading || closing) return;
    const old = supervisor.current;
    if (
      old !== undefined &&
      [...active.values()].some((invocation) => invocation.instance === old)
    ) return;
    reloading = false;
    if (old !== undefined) {
      freezer.thaw();
      supervisor.retire(old);
    }
    supervisor.spawn();
  }

  function dispatch(): void {
    reloadWhenIdle();
    // The old process takes no new invocations while a reload waits for it.
    if (reloading) return;
    const current = supervisor.current;
    // An invocation begun during a suppressed init goes to the process's first poll.
    for (const invocation of active.values()) {
      if (invocation.delivered || invocation.instance !== current) continue;
      const waiter = takeWaiter();
      if (waiter === undefined) break;
      deliver(invocation, waiter);
    }
    while (queue.length > 0 && active.size < limit) {
      const waiter = takeWaiter();
      if (waiter === undefined) break;
      const invocation = queue.shift()!;
      begin(invocation, waiter.owner);
      deliver(invocation, waiter);
    }
    if (queue.length > 0 && supervisor.current === undefined) {
      supervisor.spawn();
    }
  }

  /** The next live poll of the current process; polls left over from a killed one are closed. */
  function takeWaiter(): _Waiter | undefined {
    for (;;) {
      const waiter = waiters.shift();
      if (waiter === undefined) return undefined;
      const { response } = waiter;
      if (response.destroyed || response.writableEnded) continue;
      if (waiter.owner === undefined || waiter.owner !== supervisor.current) {
        response.destroy();
        continue;
      }
      return waiter;
    }
  }

  /** Starts an invocation's clock: START, the extensions' INVOKE, the timeout. */
  function begin(invocation: _Invocation, owner: Instance | undefined): void {
    invocation.deadlineMs = Date.now() + timeoutMs;
    invocation.instance = owner;
    invocation.startedAt = performance.now();
    // The invoke phase thaws the whole sandbox: the function and the extensions its INVOKE goes to.
    freezer.thaw();
    active.set(invocation.id, invocation);
    platform(`START RequestId: ${invocation.id} Version: ${functionVersion}`);
    extensions.invoke({
      requestId: invocation.id,
      deadlineMs: invocation.deadlineMs,
      invokedFunctionArn: arn,
      traceId: invocation.traceId,
    });
    // No grace after the deadline: on Lambda the timeout wins any race with a late answer.
    invocation.timer = setTimeout(() => onTimeout(invocation), timeoutMs);
  }

  function deliver(invocation: _Invocation, waiter: _Waiter): void {
    invocation.delivered = true;
    deliverEvent(waiter.response, {
      ...invocation,
      arn,
    });
  }

  function onTimeout(invocation: _Invocation): void {
    if (invocation.completed) return;
    const seconds = (timeoutMs / 1000).toFixed(2);
    platform(
      `${
        new Date().toISOString()
      } ${invocation.id} Task timed out after ${seconds} seconds`,
    );
    const outcome = errorOutcome(
      "Sandbox.Timedout",
      `RequestId: ${invocation.id} Error: Task timed out after ${seconds} seconds`,
    );
    invocation.abortStream?.(
      new Error(`Task timed out after ${seconds} seconds`),
    );
    // Lambda ends the sandbox of a function that timed out; the next invocation starts a new one.
    const owner = invocation.instance;
    if (owner !== undefined) {
      if (!owner.ready) {
        platform(
          initTimeoutLine(performance.now() - owner.startedAt, "invoke"),
        );
      }
      supervisor.retire(owner);
    }
    finish(invocation, outcome, "timed out");
  }

  /** An outcome from the Runtime API: too late once the deadline has passed. */
  function settle(invocation: _Invocation, outcome: Outcome): void {
    if (!invocation.completed && Date.now() >= invocation.deadlineMs) {
      return onTimeout(invocation);
    }
    finish(invocation, outcome);
  }

  /** Answers the invoker (once) and closes the invocation with Lambda's END and REPORT lines. */
  function finish(
    invocation: _Invocation,
    outcome: Outcome,
    reason: "completed" | "timed out" = "completed",
    errorType?: string,
  ): void {
    invocation.reply(outcome);
    if (invocation.completed) return;
    invocation.completed = true;
    clearTimeout(invocation.timer);
    active.delete(invocation.id);
    ended.set(invocation.id, reason);
    if (ended.size > 10_000) ended.delete(ended.keys().next().value!);
    const durationMs = performance.now() - invocation.startedAt;
    const owner = invocation.instance;
    let initMs: number | undefined;
    if (owner !== undefined && !owner.initReported && owner.initMs) {
      owner.initReported = true;
      initMs = owner.initMs;
    }
    platform(`END RequestId: ${invocation.id}`);
    platform(
      (owner?.process.peakMemory() ?? Promise.resolve(0)).then((bytes) =>
        reportLine({
          requestId: invocation.id,
          durationMs,
          memoryMb: memory,
          maxMemoryBytes: bytes,
          initMs,
          status: reason === "timed out"
            ? "timeout"
            : errorType === undefined
            ? undefined
            : { errorType },
        })
      ),
    );
    dispatch();
  }

  function onNext(response: ServerResponse): void {
    const owner = supervisor.ready();
    const waiter: _Waiter = { response, owner };
    waiters.push(waiter);
    response.on("close", () => {
      const at = waiters.indexOf(waiter);
      if (at >= 0) waiters.splice(at, 1);
    });
    dispatch();
    freezeWhenIdle();
  }

  /**
   * Lambda freezes the sandbox once the invoke phase is over: nothing queued
   * or running, the function waiting on `/next` and every extension on
   * `/event/next`.
   */
  function freezeWhenIdle(): void {
    const owner = supervisor.current;
    if (
      closing || reloading || owner === undefined || !owner.ready ||
      queue.length > 0 || active.size > 0 || !extensions.idle() ||
      !waiters.some((waiter) =>
        waiter.owner === owner && !waiter.response.destroyed
      )
    ) return;
    freezer.freeze([owner.process, ...extensions.processes()]);
  }

  const invokeApi = await serveInvokeApi({
    headersTimeoutMs: options.headersTimeout === undefined
      ? undefined
      : options.headersTimeout * 1000,
    hostname,
    port: options.port ?? 9000,
    functionName,
    portInUse: (host, port, cause) => new PortInUseError(host, port, { cause }),
    routes: options.routes,
    submit({ event, headers, type, tail, id }) {
      if (closing) {
        return Response.json({ message: "The emulator is shutting down" }, {
          status: 503,
        });
      }
      // Reserved concurrency throttles synchronous callers beyond it; Lambda queues Event invocations itself.
      if (
        reserved !== undefined && type === "RequestResponse" &&
        active.size + queue.length >= reserved
      ) {
        return Response.json({
          Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
          Type: "User",
          message: "Rate Exceeded.",
        }, {
          status: 429,
          headers: { "x-amzn-errortype": "TooManyRequestsException" },
        });
      }
      const invocation = _newInvocation(event, headers, id);
      const logResult = tail ? logTail.watch(invocation.id) : undefined;
      queue.push(invocation);
      dispatch();
      return { id: invocation.id, outcome: invocation.outcome, logResult };
    },
  }).catch(async (error) => {
    // A busy port: what was started so far (the cgroup shells, the Runtime API) ends with the start.
    await Promise.all([limits.close(), freezer.close(), runtimeServer.close()]);
    await shell?.close();
    throw error;
  });

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    const stopped = errorOutcome(
      "Emulator.Closed",
      "The emulator was closed before the invocation finished",
    );
    for (const invocation of queue.splice(0)) invocation.reply(stopped);
    for (const invocation of active.values()) {
      invocation.abortStream?.(new Error("The emulator was closed"));
      invocation.reply(stopped);
    }
    const running = supervisor.close();
    // A frozen sandbox would take neither SIGTERM nor SHUTDOWN: it is thawed for the shutdown phase.
    await freezer.thaw();
    // Lambda's shutdown phase: SIGTERM and SHUTDOWN when extensions are registered, then SIGKILL.
    await extensions.shutdown(running?.process);
    for (const waiter of waiters.splice(0)) waiter.response.destroy();
    await platformLines;
    logTail.close();
    await Promise.all([limits.close(), freezer.close()]);
    await shell?.close();
    await Promise.all([runtimeServer.close(), invokeApi.shutdown()]);
  }

  if (limits.removed.length > 0) {
    output(
      `Removed ${limits.removed.length} memory cgroup(s) left by an emulator that was killed, with what still ran in them: ${
        limits.removed.join(", ")
      }`,
      "platform",
    );
  }
  if (freezer.removed.length > 0) {
    output(
      `Removed ${freezer.removed.length} freezer cgroup(s) left by an emulator that was killed, thawing and killing what still ran in them: ${
        freezer.removed.join(", ")
      }`,
      "platform",
    );
  }
  if (limits.location === undefined) {
    output(
      `WARNING: --memory ${memory} is not enforced here (${limits.reason}): Max Memory Used is measured, but the function is not stopped at the limit as on Lambda`,
      "platform",
    );
  }
  await extensions.start(env);
  supervisor.spawn();
  const url = `http://${_urlHost(hostname)}:${invokeApi.port}`;
  return {
    url,
    runtimeApi,
    invoke(event, init) {
      return fetch(`${url}/2015-03-31/functions/${functionName}/invocations`, {
        method: "POST",
        body: event as BodyInit,
        signal: init?.signal,
        headers: init?.headers,
      });
    },
    reload() {
      reloading = true;
      dispatch();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function _newInvocation(
  event: Uint8Array,
  headers: Headers,
  id: string = crypto.randomUUID(),
): _Invocation {
  const outcome = Promise.withResolvers<Outcome>();
  const context = headers.get("x-amz-client-context");
  const invocation: _Invocation = {
    id,
    invocationId: crypto.randomUUID(),
    event,
    traceId: headers.get("x-amzn-trace-id") ?? _traceId(),
    clientContext: context === null ? undefined : fromBase64(context),
    tenantId: headers.get("x-amz-tenant-id") ?? undefined,
    instance: undefined,
    startedAt: 0,
    timer: undefined,
    deadlineMs: Infinity,
    delivered: false,
    replied: false,
    completed: false,
    reply(result) {
      if (invocation.replied) return;
      invocation.replied = true;
      outcome.resolve(result);
    },
    outcome: outcome.promise,
    abortStream: undefined,
  };
  return invocation;
}

/** The cgroup shell, or `undefined` (the limits and the freezer then say why) when none starts. */
function _cgroupShell(): CgroupShell | undefined {
  try {
    return new CgroupShell();
  } catch {
    return undefined;
  }
}

function _traceId(): string {
  const hex = (bytes: number) =>
    Array.from(
      crypto.getRandomValues(new Uint8Array(bytes)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${hex(12)};Parent=${hex(8)};Sampled=0`;
}

function _urlHost(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

const _stderrEncoder = new TextEncoder();

function _stderrSink(line: string, _source: OutputSource): void {
  let bytes = _stderrEncoder.encode(line + "\n");
  try {
    while (bytes.length > 0) {
      bytes = bytes.subarray(Deno.stderr.writeSync(bytes));
    }
  } catch {
    // stderr closed.
  }
}
