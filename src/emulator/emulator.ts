/**
 * The local Lambda: a Runtime API for the function process and an invoke
 * API for callers, with Lambda's timeout, payload limits, concurrency and
 * platform log lines.
 *
 * @module
 */

import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import {
  type FunctionProcess,
  type OutputSink,
  type OutputSource,
  startFunctionProcess,
} from "./function_process.ts";
import { createExtensionHost } from "./extension_host.ts";
import { createMemoryLimits } from "./memory.ts";

/**
 * How to run a function under the emulator.
 *
 * @example
 * ```ts
 * import type { EmulatorOptions } from "@rtl/lambda/emulator";
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
  /** The init phase's limit in seconds; 10 when absent, as on Lambda (raise it for a function run under an emulator such as qemu). */
  initTimeout?: number;
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
 * import { startEmulator } from "@rtl/lambda/emulator";
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
  /** Ends the function process and closes both servers. */
  close(): Promise<void>;
}

/**
 * The error a port already in use turns into, with what to do about it.
 *
 * @example
 * ```ts
 * import { PortInUseError } from "@rtl/lambda/emulator";
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

/** The invoke endpoint's path for a function. */
const _INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const _RUNTIME = "/2018-06-01/runtime";
/** Lambda's synchronous payload limit, in bytes, as its own 413 message gives it. */
const _MAX_RESPONSE = 6_291_556;
/** Lambda's limit on a synchronous request payload. */
const _MAX_REQUEST = 6_291_456;
/** The kill follows the deadline by a moment, so a handler that reacts to its deadline signal can finish. */
const _KILL_GRACE_MS = 100;
/** Lambda gives the init phase 10 seconds. */
const _INIT_LIMIT_MS = 10_000;
const _encoder = new TextEncoder();

type _Outcome =
  | { kind: "response"; body: Uint8Array; contentType: string }
  | { kind: "stream"; body: ReadableStream<Uint8Array>; contentType: string }
  | { kind: "error"; body: Uint8Array; errorType: string };

interface _Instance {
  process: FunctionProcess;
  startedAt: number;
  ready: boolean;
  initMs: number | undefined;
  initReported: boolean;
  initError: _Outcome | undefined;
  initTimer: ReturnType<typeof setTimeout> | undefined;
}

interface _Waiter {
  response: ServerResponse;
  owner: _Instance | undefined;
}

interface _Invocation {
  id: string;
  invocationId: string;
  event: Uint8Array;
  traceId: string;
  clientContext: string | undefined;
  tenantId: string | undefined;
  instance: _Instance | undefined;
  startedAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  replied: boolean;
  completed: boolean;
  reply: (outcome: _Outcome) => void;
  outcome: Promise<_Outcome>;
  abortStream: ((reason: Error) => void) | undefined;
}

/**
 * Starts the Runtime API, the invoke API and the function process.
 *
 * The function is started at once (as Lambda's init phase) and again after
 * it exits or is killed for a timeout, when the next invocation comes.
 *
 * @example
 * ```ts ignore
 * import { startEmulator } from "@rtl/lambda/emulator";
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
  const functionName = options.functionName ?? "function";
  const hostname = options.hostname ?? "127.0.0.1";
  const extensions = createExtensionHost({
    dir: options.extensionsDir,
    output: options.output ?? _stderrSink,
    inInit: () => instance === undefined || !instance.ready,
    functionName,
  });
  const output = extensions.output;
  const region = options.env?.AWS_REGION ?? "us-east-1";
  const arn = `arn:aws:lambda:${region}:123456789012:function:${functionName}`;

  const queue: _Invocation[] = [];
  const waiters: _Waiter[] = [];
  const active = new Map<string, _Invocation>();
  const ended = new Map<string, "completed" | "timed out">();
  let instance: _Instance | undefined;
  let closing = false;

  const runtimeServer = await _listenNode(
    (request, response) => onRuntimeRequest(request, response),
  );
  const runtimeApi = `127.0.0.1:${
    (runtimeServer.address() as { port: number }).port
  }`;
  const env = _functionEnvironment(options, runtimeApi, {
    functionName,
    memory,
    concurrency,
    region,
  });

  let platformLines = Promise.resolve();

  /** Platform lines keep their order even when one of them waits for a memory reading. */
  function platform(line: string | Promise<string>): void {
    platformLines = platformLines.then(async () =>
      output(await line, "platform")
    );
  }

  function spawn(): void {
    if (closing || instance !== undefined) return;
    const group = limits.group();
    const process = startFunctionProcess({
      command: options.command,
      cwd: options.cwd,
      env,
      output,
      memory: group,
    });
    const started: _Instance = {
      process,
      startedAt: performance.now(),
      ready: false,
      initMs: undefined,
      initReported: false,
      initError: undefined,
      initTimer: undefined,
    };
    started.initTimer = setTimeout(() => {
      if (started.ready || instance !== started) return;
      started.initError ??= _errorOutcome(
        "Runtime.InitTimeout",
        `The function did not finish its init phase within ${
          initLimitMs / 1000
        } seconds`,
      );
      process.kill();
    }, initLimitMs);
    instance = started;
    process.exited.then(async (status) =>
      onExit(started, status, await group?.outOfMemory() ?? false)
    );
  }

  function onExit(
    exited: _Instance,
    status: Deno.CommandStatus,
    outOfMemory: boolean,
  ): void {
    clearTimeout(exited.initTimer);
    if (instance === exited) instance = undefined;
    // Worded as Lambda's Go supervisor words it: "signal: killed", "exit status 1".
    const how = status.signal
      ? `signal: ${_SIGNAL_WORDS[status.signal] ?? status.signal}`
      : `exit status ${status.code}`;
    const errorType = outOfMemory ? "Runtime.OutOfMemory" : "Runtime.ExitError";
    for (const invocation of [...active.values()]) {
      if (invocation.instance !== exited) continue;
      const message =
        `RequestId: ${invocation.id} Error: Runtime exited with error: ${how}`;
      platform(message);
      platform(errorType);
      finish(
        invocation,
        _errorOutcome("Runtime.ExitError", message),
        "completed",
        errorType,
      );
    }
    if (!exited.ready && !closing) {
      const failure = exited.initError ?? _errorOutcome(
        errorType,
        outOfMemory
          ? `The function ran out of its ${memory} MB during its init phase (${how}): raise --memory`
          : `The function exited during its init phase (${how}) without reporting an error`,
      );
      platform(
        `INIT_REPORT Init Duration: ${
          _ms(performance.now() - exited.startedAt)
        } ms\tPhase: init\tStatus: error\tError Type: ${
          failure.kind === "error" ? failure.errorType : "Runtime.Unknown"
        }`,
      );
      // Lambda answers the waiting invocations with the init error, then tries init again on the next.
      for (const invocation of queue.splice(0)) {
        invocation.reply(failure);
        invocation.completed = true;
      }
      return;
    }
    if (queue.length > 0) spawn();
  }

  function dispatch(): void {
    while (queue.length > 0 && active.size < concurrency) {
      const waiter = waiters.shift();
      if (waiter === undefined) break;
      const { response } = waiter;
      if (response.destroyed || response.writableEnded) continue;
      // A poll left over from a killed process must not receive work.
      if (waiter.owner === undefined || waiter.owner !== instance) {
        response.destroy();
        continue;
      }
      start(queue.shift()!, waiter);
    }
    if (queue.length > 0 && instance === undefined) spawn();
  }

  function start(invocation: _Invocation, waiter: _Waiter): void {
    const deadline = Date.now() + timeoutMs;
    invocation.instance = waiter.owner;
    invocation.startedAt = performance.now();
    active.set(invocation.id, invocation);
    platform(`START RequestId: ${invocation.id} Version: $LATEST`);
    extensions.invoke({
      requestId: invocation.id,
      deadlineMs: deadline,
      invokedFunctionArn: arn,
      traceId: invocation.traceId,
    });
    invocation.timer = setTimeout(
      () => onTimeout(invocation),
      timeoutMs + _KILL_GRACE_MS,
    );
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "lambda-runtime-aws-request-id": invocation.id,
      "lambda-runtime-deadline-ms": String(deadline),
      "lambda-runtime-invoked-function-arn": arn,
      "lambda-runtime-trace-id": invocation.traceId,
      "lambda-runtime-invocation-id": invocation.invocationId,
      "content-length": String(invocation.event.byteLength),
    };
    if (invocation.clientContext !== undefined) {
      headers["lambda-runtime-client-context"] = invocation.clientContext;
    }
    if (invocation.tenantId !== undefined) {
      headers["lambda-runtime-aws-tenant-id"] = invocation.tenantId;
    }
    waiter.response.writeHead(200, headers);
    waiter.response.end(invocation.event);
  }

  function onTimeout(invocation: _Invocation): void {
    if (invocation.completed) return;
    const seconds = (timeoutMs / 1000).toFixed(2);
    platform(
      `${
        new Date().toISOString()
      } ${invocation.id} Task timed out after ${seconds} seconds`,
    );
    const outcome = _errorOutcome(
      "Sandbox.Timedout",
      `RequestId: ${invocation.id} Error: Task timed out after ${seconds} seconds`,
    );
    invocation.abortStream?.(
      new Error(`Task timed out after ${seconds} seconds`),
    );
    // Lambda ends the sandbox of a function that timed out; the next invocation starts a new one.
    const stale = invocation.instance;
    if (stale !== undefined) {
      if (instance === stale) instance = undefined;
      stale.process.kill();
    }
    finish(invocation, outcome, "timed out");
  }

  /** Answers the invoker (once) and closes the invocation with Lambda's END and REPORT lines. */
  function finish(
    invocation: _Invocation,
    outcome: _Outcome,
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
    const duration = performance.now() - invocation.startedAt;
    const owner = invocation.instance;
    const report = `REPORT RequestId: ${invocation.id}\tDuration: ${
      _ms(duration)
    } ms\tBilled Duration: ${
      Math.max(1, Math.ceil(duration))
    } ms\tMemory Size: ${memory} MB\tMax Memory Used: `;
    let init = "";
    if (owner !== undefined && !owner.initReported && owner.initMs) {
      owner.initReported = true;
      init = `\tInit Duration: ${_ms(owner.initMs)} ms`;
    }
    platform(`END RequestId: ${invocation.id}`);
    platform(
      (owner?.process.peakMemory() ?? Promise.resolve(0)).then((bytes) =>
        `${report}${Math.ceil(bytes / 1048576)} MB${init}${
          reason === "timed out"
            ? "\tStatus: timeout"
            : errorType === undefined
            ? ""
            : `\tStatus: error\tError Type: ${errorType}`
        }`
      ),
    );
    dispatch();
  }

  async function onRuntimeRequest(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const url = request.url ?? "";
    const method = request.method ?? "GET";
    try {
      if (extensions.handles(url)) {
        return await extensions.handle(request, response);
      }
      if (url === `${_RUNTIME}/invocation/next`) {
        if (method !== "GET") return _json(response, 405, _methodError());
        return onNext(response);
      }
      if (url === `${_RUNTIME}/init/error` && method === "POST") {
        const body = await _readAll(request, _MAX_RESPONSE);
        if (instance !== undefined && body !== undefined) {
          instance.initError = {
            kind: "error",
            body,
            errorType: _header(request, "lambda-runtime-function-error-type") ??
              "Runtime.Unknown",
          };
        }
        return _json(response, 202, { status: "OK" });
      }
      const match =
        /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/
          .exec(url);
      if (match === null) {
        await _drain(request);
        return _json(response, 404, {
          errorMessage: `No such Runtime API path: ${method} ${url}`,
          errorType: "NotFound",
        });
      }
      if (method !== "POST") return _json(response, 405, _methodError());
      const id = decodeURIComponent(match[1]);
      const invocation = active.get(id);
      if (invocation === undefined) {
        await _drain(request);
        if (ended.get(id) === "timed out") {
          return _json(response, 410, {
            errorMessage: `Invocation ${id} has already timed out`,
            errorType: "InvocationTimedOut",
          });
        }
        return _json(response, 400, {
          errorMessage: ended.has(id)
            ? `Invocation ${id} already has an outcome`
            : `Invalid request ID: ${id}`,
          errorType: ended.has(id)
            ? "InvalidStateTransition"
            : "InvalidRequestID",
        });
      }
      const echoed = _header(request, "lambda-runtime-invocation-id");
      if (echoed !== undefined && echoed !== invocation.invocationId) {
        await _drain(request);
        return _json(response, 400, {
          errorMessage:
            `Lambda-Runtime-Invocation-Id ${echoed} does not belong to invocation ${id}`,
          errorType: "InvalidInvocationId",
        });
      }
      if (match[2] === "error") {
        return await onError(invocation, request, response);
      }
      if (
        _header(request, "lambda-runtime-function-response-mode")
          ?.toLowerCase() === "streaming"
      ) {
        return await onStream(invocation, request, response);
      }
      const body = await _readAll(request, _MAX_RESPONSE);
      if (body === undefined) {
        return _json(response, 413, {
          errorMessage:
            `Exceeded maximum allowed payload size (${_MAX_RESPONSE} bytes).`,
          errorType: "RequestEntityTooLarge",
        });
      }
      finish(invocation, {
        kind: "response",
        body,
        contentType: _header(request, "content-type") ?? "application/json",
      });
      _json(response, 202, { status: "OK" });
    } catch (error) {
      if (!response.headersSent) {
        _json(response, 500, {
          errorMessage: `The emulator failed: ${_message(error)}`,
          errorType: "EmulatorError",
        });
      } else response.destroy();
    }
  }

  function onNext(response: ServerResponse): void {
    const current = instance;
    if (current !== undefined && !current.ready) {
      current.ready = true;
      current.initMs = performance.now() - current.startedAt;
      clearTimeout(current.initTimer);
    }
    const waiter: _Waiter = { response, owner: current };
    waiters.push(waiter);
    response.on("close", () => {
      const at = waiters.indexOf(waiter);
      if (at >= 0) waiters.splice(at, 1);
    });
    dispatch();
  }

  async function onError(
    invocation: _Invocation,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const body = await _readAll(request, _MAX_RESPONSE);
    if (body === undefined) {
      return _json(response, 413, {
        errorMessage:
          `Exceeded maximum allowed payload size (${_MAX_RESPONSE} bytes).`,
        errorType: "RequestEntityTooLarge",
      });
    }
    const errorType = _header(request, "lambda-runtime-function-error-type") ??
      "Runtime.Unknown";
    finish(invocation, { kind: "error", body, errorType });
    _json(response, 202, { status: "OK" });
  }

  async function onStream(
    invocation: _Invocation,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const chunks = request[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
    let cancelled = false;
    let relay!: ReadableStreamDefaultController<Uint8Array>;
    const relayDone = Promise.withResolvers<void>();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        relay = controller;
      },
      // Pulls one chunk at a time: a slow invoker slows the function down, as on Lambda.
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) {
            relayDone.resolve();
            const failure = _trailerError(request);
            if (failure === undefined) controller.close();
            else controller.error(failure);
            return;
          }
          controller.enqueue(new Uint8Array(next.value));
        } catch (error) {
          relayDone.resolve();
          controller.error(error);
        }
      },
      cancel() {
        cancelled = true;
        relayDone.resolve();
      },
    }, { highWaterMark: 0 });
    invocation.abortStream = (reason) => {
      try {
        relay.error(reason);
      } catch {
        // Already closed.
      }
      request.destroy();
    };
    invocation.reply({
      kind: "stream",
      body,
      contentType: _header(request, "content-type") ??
        "application/octet-stream",
    });
    await relayDone.promise;
    // The invoker went away: the function's stream is read to its end and dropped.
    if (cancelled) {
      for (;;) {
        try {
          if ((await chunks.next()).done) break;
        } catch {
          break;
        }
      }
    }
    const failure = _trailerError(request);
    if (failure !== undefined) {
      platform(
        `${
          new Date().toISOString()
        } ${invocation.id} The response stream failed: ${failure.message}`,
      );
    }
    if (!invocation.completed) {
      finish(invocation, { kind: "stream", body, contentType: "" });
    }
    if (!response.destroyed) _json(response, 202, { status: "OK" });
  }

  const invokeServer = _serve(hostname, options.port ?? 9000, onInvoke);

  async function onInvoke(request: Request): Promise<Response> {
    const routed = await options.routes?.(request);
    if (routed !== undefined) return routed;
    const url = new URL(request.url);
    const match = _INVOKE.exec(url.pathname);
    if (match === null) {
      return Response.json({
        message:
          `Invoke the function with POST /2015-03-31/functions/${functionName}/invocations`,
      }, { status: 404 });
    }
    if (request.method !== "POST") {
      return Response.json({ message: "Use POST to invoke" }, { status: 405 });
    }
    const name = decodeURIComponent(match[1]);
    if (name !== functionName && name !== "function") {
      return Response.json({
        Type: "User",
        message:
          `Function not found: ${name} (this emulator runs ${functionName})`,
      }, {
        status: 404,
        headers: { "x-amzn-errortype": "ResourceNotFoundException" },
      });
    }
    const event = new Uint8Array(await request.arrayBuffer());
    if (event.byteLength > _MAX_REQUEST) {
      return Response.json({
        Type: "User",
        message:
          `Request must be smaller than ${_MAX_REQUEST} bytes for the InvokeFunction operation`,
      }, {
        status: 413,
        headers: { "x-amzn-errortype": "RequestTooLargeException" },
      });
    }
    const type = request.headers.get("x-amz-invocation-type") ??
      "RequestResponse";
    if (type === "DryRun") return new Response(null, { status: 204 });
    if (closing) {
      return Response.json({ message: "The emulator is shutting down" }, {
        status: 503,
      });
    }
    const invocation = _newInvocation(event, request.headers);
    queue.push(invocation);
    dispatch();
    if (type === "Event") {
      invocation.outcome.then(_discard);
      return new Response(null, {
        status: 202,
        headers: { "x-amzn-requestid": invocation.id },
      });
    }
    const outcome = await invocation.outcome;
    const headers: Record<string, string> = {
      "x-amzn-requestid": invocation.id,
      "x-amz-executed-version": "$LATEST",
    };
    if (outcome.kind === "error") {
      headers["content-type"] = "application/json";
      headers["x-amz-function-error"] = "Unhandled";
      return new Response(outcome.body as BodyInit, { status: 200, headers });
    }
    headers["content-type"] = outcome.contentType;
    return new Response(outcome.body as BodyInit, { status: 200, headers });
  }

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    const stopped = _errorOutcome(
      "Emulator.Closed",
      "The emulator was closed before the invocation finished",
    );
    for (const invocation of queue.splice(0)) invocation.reply(stopped);
    for (const invocation of active.values()) {
      invocation.abortStream?.(new Error("The emulator was closed"));
      invocation.reply(stopped);
    }
    const running = instance;
    instance = undefined;
    // Lambda's shutdown phase: SIGTERM and SHUTDOWN when extensions are registered, then SIGKILL.
    await extensions.shutdown(running?.process);
    for (const waiter of waiters.splice(0)) waiter.response.destroy();
    await platformLines;
    await limits.close();
    await Promise.all([
      new Promise<void>((resolve) => {
        runtimeServer.close(() => resolve());
        runtimeServer.closeAllConnections();
      }),
      invokeServer.shutdown(),
    ]);
  }

  const limits = await createMemoryLimits(memory);
  if (limits.location === undefined) {
    output(
      `WARNING: --memory ${memory} is not enforced here (${limits.reason}): Max Memory Used is measured, but the function is not stopped at the limit as on Lambda`,
      "platform",
    );
  }
  await extensions.start(env);
  spawn();
  const url = `http://${_urlHost(hostname)}:${invokeServer.addr.port}`;
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
    close,
    [Symbol.asyncDispose]: close,
  };
}

function _newInvocation(event: Uint8Array, headers: Headers): _Invocation {
  const outcome = Promise.withResolvers<_Outcome>();
  const context = headers.get("x-amz-client-context");
  const invocation: _Invocation = {
    id: crypto.randomUUID(),
    invocationId: crypto.randomUUID(),
    event,
    traceId: headers.get("x-amzn-trace-id") ?? _traceId(),
    clientContext: context === null ? undefined : _fromBase64(context),
    tenantId: headers.get("x-amz-tenant-id") ?? undefined,
    instance: undefined,
    startedAt: 0,
    timer: undefined,
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

function _functionEnvironment(
  options: EmulatorOptions,
  runtimeApi: string,
  settings: {
    functionName: string;
    memory: number;
    concurrency: number;
    region: string;
  },
): Record<string, string> {
  const env: Record<string, string> = {};
  // What a local process needs to find its tools and caches; Lambda sets PATH too.
  for (const key of ["PATH", "HOME", "DENO_DIR", "TMPDIR"]) {
    const value = _readEnv(key);
    if (value !== undefined) env[key] = value;
  }
  const date = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  Object.assign(env, {
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_LAMBDA_FUNCTION_NAME: settings.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memory),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${settings.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${date}/[$LATEST]${
      crypto.randomUUID().replaceAll("-", "")
    }`,
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_REGION: settings.region,
    AWS_DEFAULT_REGION: settings.region,
    LAMBDA_TASK_ROOT: options.cwd ?? Deno.cwd(),
    _HANDLER: "bootstrap",
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
  });
  if (settings.concurrency > 1) {
    env.AWS_LAMBDA_MAX_CONCURRENCY = String(settings.concurrency);
  }
  return Object.assign(env, options.env);
}

function _readEnv(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}

function _listenNode(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<Server> {
  // Lambda accepts headers far beyond Node's 16 KiB default (an X-Ray cause, a client context).
  const server = createServer({ maxHeaderSize: 1 << 20 }, handle);
  // The /next long poll has no timeout on Lambda; nor here.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 0;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function _serve(
  hostname: string,
  port: number,
  handler: (request: Request) => Promise<Response>,
): Deno.HttpServer<Deno.NetAddr> {
  try {
    return Deno.serve({ hostname, port, onListen: () => {} }, handler);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new PortInUseError(hostname, port, { cause: error });
    }
    throw error;
  }
}

/** Reads a whole body; `undefined` (with the rest drained) when it is over `limit` bytes. */
async function _readAll(
  request: IncomingMessage,
  limit: number,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) {
      await _drain(request);
      return undefined;
    }
    chunks.push(chunk);
  }
  if (chunks.length === 1) return new Uint8Array(chunks[0]);
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

async function _drain(request: IncomingMessage): Promise<void> {
  try {
    for await (const _ of request as AsyncIterable<Uint8Array>) {
      // Discarded: the connection stays usable.
    }
  } catch {
    // The client went away.
  }
}

function _header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function _trailerError(request: IncomingMessage): Error | undefined {
  const type = request.trailers?.["lambda-runtime-function-error-type"];
  if (type === undefined) return undefined;
  const encoded = request.trailers["lambda-runtime-function-error-body"];
  let detail = "";
  if (encoded !== undefined) {
    try {
      const report = JSON.parse(_fromBase64(encoded));
      detail = typeof report?.errorMessage === "string"
        ? `: ${report.errorMessage}`
        : "";
    } catch {
      detail = " (the error body was not base64 JSON)";
    }
  }
  const error = new Error(`${type}${detail}`);
  error.name = "StreamedResponseError";
  return error;
}

function _json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(_encoder.encode(text).byteLength),
  });
  response.end(text);
}

function _methodError() {
  return { errorMessage: "Method not allowed", errorType: "MethodNotAllowed" };
}

function _errorOutcome(errorType: string, errorMessage: string): _Outcome {
  return {
    kind: "error",
    errorType,
    body: _encoder.encode(JSON.stringify({ errorMessage, errorType })),
  };
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

function _fromBase64(text: string): string {
  try {
    return new TextDecoder().decode(
      Uint8Array.from(atob(text), (c) => c.charCodeAt(0)),
    );
  } catch {
    return text;
  }
}

function _ms(value: number): string {
  return value.toFixed(2);
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function _urlHost(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

function _discard(): void {}

/** How Go (Lambda's supervisor) names the signals a function dies of. */
const _SIGNAL_WORDS: Partial<Record<Deno.Signal, string>> = {
  SIGKILL: "killed",
  SIGTERM: "terminated",
  SIGABRT: "aborted",
  SIGSEGV: "segmentation fault",
  SIGBUS: "bus error",
  SIGTRAP: "trace/breakpoint trap",
  SIGINT: "interrupt",
  SIGILL: "illegal instruction",
  SIGFPE: "floating point exception",
};

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
