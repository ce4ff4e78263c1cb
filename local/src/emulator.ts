/**
 * The local Lambda: a Runtime API for the function process and an invoke
 * API for callers, with Lambda's timeout, payload limits, concurrency and
 * platform log lines. This file composes the parts; the scheduler
 * (scheduler/) owns the invocations.
 *
 * @module
 */

import type { ServerResponse } from "node:http";
import type { OutputSink, OutputSource } from "./function_process.ts";
import { createExtensionHost, type ExtensionHost } from "./extension_host.ts";
import { functionEnvironment } from "./environment.ts";
import {
  type InvokeApi,
  serveInvokeApi,
  type Submission,
} from "./invoke_api.ts";
import type { InvokeRequest } from "./invoke_request.ts";
import { createLogTail, type LogTail } from "./log_tail.ts";
import {
  type RuntimeApiRoutes,
  type RuntimeApiServer,
  startRuntimeApiServer,
} from "./runtime_api_server.ts";
import type { Freezer } from "./freezer.ts";
import { systemClock } from "./scheduler/clock.ts";
import type { Refusal } from "./scheduler/ports.ts";
import { Scheduler } from "./scheduler/scheduler.ts";
import {
  createSupervisor,
  type Instance,
  type Supervisor,
} from "./supervisor.ts";
import {
  type EmulatorSettings,
  emulatorSettings,
} from "./_emulator_settings.ts";
import { openCgroups, type SandboxCgroups } from "./_emulator_cgroups.ts";
import { type EmulatorOtel, startEmulatorOtel } from "./_emulator_otel.ts";
import { PlatformEvents } from "./_platform_events.ts";
import {
  exitOf,
  freezeWhenIdle,
  peakReader,
  pollOf,
  sandboxOf,
} from "./_emulator_sandbox.ts";

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
  /**
   * The durable API this function calls (CheckpointDurableExecution,
   * GetDurableExecutionState), served on its own Runtime API port; the
   * function gets `AWS_ENDPOINT_URL_LAMBDA` pointing there. Absent for a
   * function that is not durable.
   */
  durableApi?: (request: Request) => Promise<Response | undefined>;
  /** More routes on the invoke API's server (a control plane), tried first; `undefined` passes the request on. */
  routes?: (request: Request) => Promise<Response | undefined>;
  /**
   * The OTLP receiver's port, when `env` has `OTEL_DENO=true` (and no
   * `OTEL_EXPORTER_OTLP_ENDPOINT` of its own); 0 (any free port) when absent.
   */
  otlpPort?: number;
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
  /**
   * The OTLP receiver's base URL (the function's `OTEL_EXPORTER_OTLP_ENDPOINT`;
   * its page of recent invocations' spans at `/`), when the function runs
   * with `OTEL_DENO=true`.
   */
  readonly otlpUrl: string | undefined;
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
  const settings = emulatorSettings(options);
  const logTail = createLogTail(options.output ?? _stderrSink);
  const cgroups = await openCgroups(settings.memory);
  const { freezer } = cgroups;
  const extensions = createExtensionHost({
    dir: options.extensionsDir,
    output: logTail.sink,
    inInit: () => supervisor.current?.ready !== true,
    functionName: settings.functionName,
    freezer,
    onIdle: () => freezeWhenIdle(scheduler, extensions, freezer),
  });
  const output = extensions.output;
  const otel = startEmulatorOtel(
    {
      env: options.env,
      port: options.otlpPort,
      // A script under `deno run` gets the OTel settings a built bootstrap sets itself.
      script: options.command[0] === Deno.execPath() &&
        options.command[1] === "run",
      functionName: settings.functionName,
    },
    (line) => output(line, "platform"),
  );
  const events = new PlatformEvents(
    (type, record, time) => extensions.platformEvent(type, record, time),
    settings.functionVersion,
  );
  const platform = (line: string) => {
    output(line, "platform");
    otel.platformLine(line);
    events.line(line);
  };
  const runtimeServer = await startRuntimeApiServer({
    ..._runtimeRoutes(
      extensions,
      platform,
      events,
      () => ({ scheduler, supervisor }),
    ),
    durable: options.durableApi,
  });
  const env = functionEnvironment({
    runtimeApi: runtimeServer.address,
    functionName: settings.functionName,
    functionVersion: settings.functionVersion,
    memory: settings.memory,
    concurrency: settings.concurrency,
    region: settings.region,
    cwd: options.cwd ?? Deno.cwd(),
    // A durable function's Lambda client reaches the durable API on its own Runtime API port.
    // Its Lambda client signs with local placeholder keys, as Lambda hands a function its role's.
    env: {
      ...otel.env,
      ...(options.durableApi !== undefined && {
        AWS_ENDPOINT_URL_LAMBDA: `http://${runtimeServer.address}`,
        AWS_ACCESS_KEY_ID: "local-durable",
        AWS_SECRET_ACCESS_KEY: "local-durable",
      }),
      ...options.env,
    },
  });
  const supervisor = createSupervisor({
    command: options.command,
    cwd: options.cwd,
    env,
    output,
    limits: cgroups.limits,
    initLimitMs: settings.initLimitMs,
    freshTmp: options.freshTmp,
    freezer,
    onExit: (exited, status, outOfMemory) =>
      scheduler.exited(exitOf(exited, status, outOfMemory, settings.memory)),
  });
  const scheduler = _scheduler(
    settings,
    supervisor,
    extensions,
    freezer,
    { platform, events },
  );
  const invokeApi = await serveInvokeApi({
    headersTimeoutMs: settings.headersTimeoutMs,
    hostname: settings.hostname,
    port: settings.port,
    functionName: settings.functionName,
    portInUse: (host, port, cause) => new PortInUseError(host, port, { cause }),
    routes: options.routes,
    submit: (request) => _submit(scheduler, logTail, request),
  }).catch(async (error) => {
    // A busy port: what was started so far (the cgroup shells, the Runtime API) ends with the start.
    await Promise.all([cgroups.close(), runtimeServer.close(), otel.close()]);
    throw error;
  });
  for (const note of cgroups.notes(settings.memory)) platform(note);
  await extensions.start(env);
  supervisor.spawn();
  return new _RunningEmulator(
    `http://${_urlHost(settings.hostname)}:${invokeApi.port}`,
    settings.functionName,
    {
      scheduler,
      supervisor,
      extensions,
      cgroups,
      logTail,
      runtimeServer,
      invokeApi,
      otel,
      events,
    },
  );
}

/** The Runtime API's routes onto the scheduler and the supervisor (made after the server: `late`). */
function _runtimeRoutes(
  extensions: ExtensionHost,
  platform: (line: string) => void,
  events: PlatformEvents,
  late: () => { scheduler: Scheduler<Instance>; supervisor: Supervisor },
): RuntimeApiRoutes {
  return {
    extensions,
    next(response) {
      const { scheduler, supervisor } = late();
      const starting = supervisor.current?.ready === false
        ? supervisor.current
        : undefined;
      const owner = pollOwner(response, supervisor);
      // The first /next ends the init phase: its events come before the first invocation's start.
      if (starting?.ready) events.initDone(starting.initMs ?? 0);
      events.polled();
      scheduler.poll(pollOf(response, owner));
    },
    initError(outcome) {
      const current = late().supervisor.current;
      if (current !== undefined) current.initError = outcome;
    },
    find: (id) => late().scheduler.find(id),
    answer(id, outcome) {
      events.responding(id, true);
      void late().scheduler.answer(id, outcome);
    },
    stream(id, outcome, abort) {
      events.responding(id, false);
      void late().scheduler.stream(id, outcome, abort);
    },
    platform,
  };
}

/**
 * The process a `/next` comes from: the one that was current at its connection's first request. A retired
 * process's late poll (on its kept-alive socket) must not mark the new process ready, or the sandbox freezes
 * with the new process still starting.
 */
function pollOwner(
  response: ServerResponse,
  supervisor: Supervisor,
): Instance | undefined {
  const socket = response.req.socket;
  const known = _socketOwners.get(socket);
  if (known !== undefined && known !== supervisor.current) return known;
  const owner = supervisor.ready();
  if (owner !== undefined) _socketOwners.set(socket, owner);
  return owner;
}

const _socketOwners = new WeakMap<object, Instance>();

/** The scheduler of the sandbox's invocations, on the real clock and processes. */
function _scheduler(
  settings: EmulatorSettings,
  supervisor: Supervisor,
  extensions: ExtensionHost,
  freezer: Freezer,
  { platform, events }: {
    platform: (line: string) => void;
    events: PlatformEvents;
  },
): Scheduler<Instance> {
  const scheduler: Scheduler<Instance> = new Scheduler<Instance>({
    ...settings,
    clock: systemClock,
    sandbox: sandboxOf(supervisor, freezer),
    memoryMb: settings.memory,
    platform,
    peak: peakReader(),
    started(invocation) {
      events.started(invocation.id, invocation.traceId);
      extensions.invoke({
        requestId: invocation.id,
        deadlineMs: invocation.deadlineMs,
        invokedFunctionArn: settings.arn,
        traceId: invocation.traceId,
      });
    },
    idle: () => freezeWhenIdle(scheduler, extensions, freezer),
  });
  return scheduler;
}

/** What a running emulator closes, in order. */
interface _Parts {
  scheduler: Scheduler<Instance>;
  supervisor: Supervisor;
  extensions: ExtensionHost;
  cgroups: SandboxCgroups;
  logTail: LogTail;
  runtimeServer: RuntimeApiServer;
  invokeApi: InvokeApi;
  otel: EmulatorOtel;
  events: PlatformEvents;
}

class _RunningEmulator implements Emulator {
  readonly url: string;
  readonly runtimeApi: string;
  readonly otlpUrl: string | undefined;
  readonly #functionName: string;
  readonly #parts: _Parts;
  #closed: Promise<void> | undefined;

  constructor(url: string, functionName: string, parts: _Parts) {
    this.url = url;
    this.runtimeApi = parts.runtimeServer.address;
    this.otlpUrl = parts.otel.url;
    this.#functionName = functionName;
    this.#parts = parts;
  }

  invoke(
    event: string | Uint8Array,
    init?: { signal?: AbortSignal; headers?: HeadersInit },
  ): Promise<Response> {
    return fetch(
      `${this.url}/2015-03-31/functions/${this.#functionName}/invocations`,
      {
        method: "POST",
        body: event as BodyInit,
        signal: init?.signal,
        headers: init?.headers,
      },
    );
  }

  reload(): void {
    this.#parts.scheduler.reload();
  }

  close(): Promise<void> {
    this.#closed ??= _close(this.#parts);
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function _close(parts: _Parts): Promise<void> {
  const { scheduler, supervisor, extensions, cgroups } = parts;
  // Every invocation ends with Emulator.Closed; reports already under way are still written.
  const reported = scheduler.close();
  const running = supervisor.close();
  // A frozen sandbox would take neither SIGTERM nor SHUTDOWN: it is thawed for the shutdown phase.
  await cgroups.freezer.thaw();
  // A REPORT still held for its runtime's next /next reaches the subscribers before SHUTDOWN.
  parts.events.close();
  // Lambda's shutdown phase: SIGTERM and SHUTDOWN when extensions are registered, then SIGKILL.
  await extensions.shutdown(running?.process);
  scheduler.dropPolls();
  await reported;
  // After the function's exit: what it exported on its way out has landed.
  await parts.otel.close();
  parts.logTail.close();
  await cgroups.close();
  await Promise.all([parts.runtimeServer.close(), parts.invokeApi.shutdown()]);
}

/** Hands a request to the scheduler, or answers Lambda's refusal; a `Tail` request's log is watched from its START. */
function _submit(
  scheduler: Scheduler<Instance>,
  logTail: LogTail,
  request: InvokeRequest,
): Submission {
  const refused = scheduler.refusal(request.type);
  if (refused !== undefined) return _refusal(refused);
  const id = request.id ?? crypto.randomUUID();
  const logResult = request.logType === "Tail" ? logTail.watch(id) : undefined;
  return { ...scheduler.submit({ ...request, id }), logResult };
}

function _refusal(refused: Refusal): Response {
  if (refused === "closing") {
    return Response.json({ message: "The emulator is shutting down" }, {
      status: 503,
    });
  }
  return Response.json({
    Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
    Type: "User",
    message: "Rate Exceeded.",
  }, {
    status: 429,
    headers: { "x-amzn-errortype": "TooManyRequestsException" },
  });
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
