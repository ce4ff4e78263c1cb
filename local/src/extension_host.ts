/**
 * The emulator's Extensions API and Telemetry API: it starts the executables
 * of an extensions folder before the function, registers them (and internal
 * extensions from the function's process), sends `INVOKE` events, delivers
 * the function's log lines to the Telemetry API (telemetry_api.ts), and
 * runs Lambda's shutdown phase (shutdown_phase.ts) with its extensions.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type FunctionProcess,
  type OutputSink,
  startFunctionProcess,
} from "./function_process.ts";
import type { Freezer } from "./freezer.ts";
import { createTelemetryApi } from "./telemetry_api.ts";
import { runShutdownPhase } from "./shutdown_phase.ts";
import {
  drain,
  header as _header,
  json as _json,
  message as _message,
  readJson as _readJson,
} from "./_node_http.ts";

/** How the host is set up. */
export interface ExtensionHostOptions {
  /** The folder whose executables are started as external extensions; none when absent. */
  dir?: string;
  /** Where every line goes: the emulator's sink. */
  output: OutputSink;
  /** Whether the function is still in its init phase, when internal extensions may register. */
  inInit: () => boolean;
  /** The function's name, answered to a registration. */
  functionName: string;
  /** The sandbox's freezer, whose group the external extensions join. */
  freezer?: Freezer;
  /** An extension asked for its next event and has none: its part of the invoke phase is over. */
  onIdle?: () => void;
}

/** The invocation metadata an `INVOKE` event carries. */
export interface InvokeMetadata {
  requestId: string;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string;
}

/** The Extensions and Telemetry APIs, served on the Runtime API's port. */
export interface ExtensionHost {
  /** The emulator's sink, which also feeds Telemetry API subscribers. */
  readonly output: OutputSink;
  /** Whether a Runtime API path belongs to these APIs. */
  handles(url: string): boolean;
  /** Answers one request to these APIs. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** Starts the external extensions and waits for them to register. */
  start(env: Record<string, string>): Promise<void>;
  /** Sends `INVOKE` to the extensions registered for it. */
  invoke(metadata: InvokeMetadata): void;
  /**
   * Whether every registered extension waits on `/event/next` with nothing
   * queued: Lambda's invoke phase lasts until they all do.
   */
  idle(): boolean;
  /** The external extensions' processes still running. */
  processes(): FunctionProcess[];
  /** Lambda's shutdown phase for the runtime process and the extensions. */
  shutdown(runtime: FunctionProcess | undefined): Promise<void>;
}

/** Lambda's limit on registered extensions. */
const _MAX_EXTENSIONS = 10;
/** Lambda gives the init phase 10 seconds; external extensions register within it. */
const _REGISTER_LIMIT_MS = 10_000;
/** Variables Lambda keeps from extensions: they belong to the runtime process. */
const _RUNTIME_ONLY = [
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_XRAY_CONTEXT_MISSING",
  "AWS_XRAY_DAEMON_ADDRESS",
  "LAMBDA_RUNTIME_DIR",
  "LAMBDA_TASK_ROOT",
  "_AWS_XRAY_DAEMON_ADDRESS",
  "_AWS_XRAY_DAEMON_PORT",
  "_HANDLER",
];

type _Event = Record<string, unknown> & { eventType: "INVOKE" | "SHUTDOWN" };

interface _Registered {
  id: string;
  name: string;
  events: Set<string>;
  external: boolean;
  queue: _Event[];
  waiter: ServerResponse | undefined;
  failed: boolean;
}

interface _Started {
  name: string;
  process: FunctionProcess;
  exited: boolean;
}

/** Creates the host; nothing runs until `start()`. */
export function createExtensionHost(
  options: ExtensionHostOptions,
): ExtensionHost {
  const registered = new Map<string, _Registered>();
  const started = new Map<string, _Started>();
  const registeredOne = new Set<() => void>();
  let closed = false;

  function platform(line: string): void {
    options.output(line, "platform");
  }

  const telemetryApi = createTelemetryApi(platform);

  function output(line: string, source: "stdout" | "stderr" | "platform") {
    options.output(line, source);
    if (source !== "platform") telemetryApi.record("function", line);
  }

  function deliver(extension: _Registered): void {
    const waiter = extension.waiter;
    if (waiter === undefined || extension.queue.length === 0) return;
    extension.waiter = undefined;
    const event = extension.queue.shift()!;
    _json(waiter, 200, event, {
      "lambda-extension-event-identifier": crypto.randomUUID(),
    });
  }

  function byId(
    request: IncomingMessage,
    response: ServerResponse,
  ): _Registered | undefined {
    const id = _header(request, "lambda-extension-identifier");
    const extension = id === undefined ? undefined : registered.get(id);
    if (extension === undefined) {
      _json(response, 403, {
        errorMessage: id === undefined
          ? "Lambda-Extension-Identifier is missing"
          : `No extension is registered as ${id}`,
        errorType: "Extension.UnknownExtensionIdentifier",
      });
      return undefined;
    }
    if (extension.failed) {
      _json(response, 403, {
        errorMessage:
          `Extension ${extension.name} reported an error; no further calls are accepted`,
        errorType: "Extension.InvalidExtensionState",
      });
      return undefined;
    }
    return extension;
  }

  async function onRegister(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const name = _header(request, "lambda-extension-name");
    const body = await _readJson(request);
    if (name === undefined || name === "") {
      return _json(response, 400, {
        errorMessage: "Lambda-Extension-Name is required",
        errorType: "InvalidRequest",
      });
    }
    const events = body?.events ?? [];
    if (
      !Array.isArray(events) ||
      events.some((event) => event !== "INVOKE" && event !== "SHUTDOWN")
    ) {
      return _json(response, 400, {
        errorMessage: `events must be a list of INVOKE and SHUTDOWN, got ${
          JSON.stringify(events)
        }`,
        errorType: "InvalidEventType",
      });
    }
    const process = started.get(name);
    const external = process !== undefined && !process.exited;
    const previous = [...registered.values()].find((r) => r.name === name);
    if (external && previous !== undefined) {
      return _json(response, 409, {
        errorMessage: `Extension ${name} is already registered`,
        errorType: "Extension.AlreadyRegistered",
      });
    }
    if (!external) {
      if (events.includes("SHUTDOWN")) {
        return _json(response, 400, {
          errorMessage:
            `${name} is an internal extension (no executable of that name in the extensions folder): internal extensions cannot register for SHUTDOWN`,
          errorType: "InvalidEventType",
        });
      }
      if (!options.inInit()) {
        return _json(response, 403, {
          errorMessage:
            `Extension ${name} registered after the init phase: register before the runtime's first /invocation/next`,
          errorType: "Extension.InvalidRegistration",
        });
      }
      // The same internal extension from a restarted function process replaces the old one.
      if (previous !== undefined) registered.delete(previous.id);
    }
    if (registered.size >= _MAX_EXTENSIONS) {
      return _json(response, 400, {
        errorMessage:
          `A function can have at most ${_MAX_EXTENSIONS} extensions`,
        errorType: "TooManyExtensions",
      });
    }
    const extension: _Registered = {
      id: crypto.randomUUID(),
      name,
      events: new Set(events as string[]),
      external,
      queue: [],
      waiter: undefined,
      failed: false,
    };
    registered.set(extension.id, extension);
    for (const notify of registeredOne) notify();
    const features = _header(request, "lambda-extension-accept-feature") ?? "";
    _json(response, 200, {
      functionName: options.functionName,
      functionVersion: "$LATEST",
      handler: "bootstrap",
      ...(features.split(",").map((f) => f.trim()).includes("accountId")
        ? { accountId: "123456789012" }
        : {}),
    }, { "lambda-extension-identifier": extension.id });
  }

  function onNext(request: IncomingMessage, response: ServerResponse): void {
    const extension = byId(request, response);
    if (extension === undefined) return;
    extension.waiter?.destroy();
    extension.waiter = response;
    response.on("close", () => {
      if (extension.waiter !== response) return;
      extension.waiter = undefined;
      // An internal extension's poll ends with its process: so does its registration.
      if (!extension.external) registered.delete(extension.id);
    });
    deliver(extension);
    if (extension.waiter === response) options.onIdle?.();
  }

  async function onError(
    kind: "init" | "exit",
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const body = await _readJson(request);
    const extension = byId(request, response);
    if (extension === undefined) return;
    const errorType = _header(request, "lambda-extension-function-error-type");
    if (errorType === undefined) {
      return _json(response, 400, {
        errorMessage: "Lambda-Extension-Function-Error-Type is required",
        errorType: "InvalidRequest",
      });
    }
    extension.failed = true;
    options.onIdle?.();
    const message = typeof body?.errorMessage === "string"
      ? `: ${body.errorMessage}`
      : "";
    platform(
      `EXTENSION\tName: ${extension.name}\tState: ${
        kind === "init" ? "InitError" : "ExitError"
      }\tError Type: ${errorType}${message}`,
    );
    _json(response, 202, { status: "OK" });
  }

  async function onSubscribe(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const extension = byId(request, response);
    if (extension === undefined) return await drain(request);
    await telemetryApi.subscribe(extension.id, request, response);
  }

  async function start(env: Record<string, string>): Promise<void> {
    if (options.dir === undefined) return;
    const executables = await _executables(options.dir, platform);
    if (executables.length === 0) return;
    const extensionEnv: Record<string, string> = {
      ...env,
      RTL_LAMBDA_SANDBOX_HOSTNAME: "127.0.0.1",
    };
    for (const key of _RUNTIME_ONLY) delete extensionEnv[key];
    for (const { name, path } of executables) {
      let process: FunctionProcess;
      try {
        process = startFunctionProcess({
          command: [path],
          cwd: options.dir,
          env: extensionEnv,
          output: (line, source) => {
            options.output(line, source);
            if (source !== "platform") telemetryApi.record("extension", line);
          },
          freezer: options.freezer,
        });
      } catch (error) {
        platform(
          `EXTENSION\tName: ${name}\tState: LaunchError\tError: ${
            _message(error)
          }`,
        );
        continue;
      }
      const entry: _Started = { name, process, exited: false };
      started.set(name, entry);
      process.exited.then((status) => {
        entry.exited = true;
        for (const notify of registeredOne) notify();
        if (closed) return;
        for (const extension of registered.values()) {
          if (extension.name === name && extension.external) {
            registered.delete(extension.id);
            extension.waiter?.destroy();
          }
        }
        platform(
          `EXTENSION\tName: ${name}\tState: Exited\tStatus: ${
            status.signal ? `signal ${status.signal}` : `exit ${status.code}`
          }`,
        );
        options.onIdle?.();
      });
    }
    // Lambda starts the runtime once every extension has registered.
    const waiting = Promise.withResolvers<void>();
    const check = () => {
      const pending = [...started.values()].some((entry) =>
        !entry.exited &&
        ![...registered.values()].some((r) => r.name === entry.name)
      );
      if (!pending) waiting.resolve();
    };
    registeredOne.add(check);
    const timer = setTimeout(waiting.resolve, _REGISTER_LIMIT_MS);
    check();
    await waiting.promise;
    clearTimeout(timer);
    registeredOne.delete(check);
    for (const entry of started.values()) {
      const extension = [...registered.values()].find((r) =>
        r.name === entry.name
      );
      platform(
        extension === undefined
          ? `EXTENSION\tName: ${entry.name}\tState: ${
            entry.exited ? "LaunchError" : "NotRegistered"
          }\tEvents: []`
          : `EXTENSION\tName: ${entry.name}\tState: Ready\tEvents: [${
            [...extension.events].join(",")
          }]`,
      );
    }
  }

  function invoke(metadata: InvokeMetadata): void {
    for (const extension of registered.values()) {
      if (!extension.events.has("INVOKE") || extension.failed) continue;
      extension.queue.push({
        eventType: "INVOKE",
        deadlineMs: metadata.deadlineMs,
        requestId: metadata.requestId,
        invokedFunctionArn: metadata.invokedFunctionArn,
        tracing: { type: "X-Amzn-Trace-Id", value: metadata.traceId },
      });
      deliver(extension);
    }
  }

  async function shutdown(runtime: FunctionProcess | undefined): Promise<void> {
    const all = [...registered.values()];
    const externals = [...started.values()].filter((entry) => !entry.exited);
    await runShutdownPhase({
      runtime,
      registered: all.length > 0,
      internal: all.some((extension) => !extension.external),
      externals: externals.map((entry) => entry.process),
      async announce(deadlineMs) {
        // What the runtime wrote on its way out reaches the subscribers before SHUTDOWN.
        await telemetryApi.flush();
        // From here on, extensions exiting is expected, not news.
        closed = true;
        for (const extension of registered.values()) {
          if (!extension.external || !extension.events.has("SHUTDOWN")) {
            continue;
          }
          extension.queue.push({
            eventType: "SHUTDOWN",
            shutdownReason: "spindown",
            deadlineMs,
          });
          deliver(extension);
        }
      },
    });
    await telemetryApi.close();
    for (const extension of registered.values()) extension.waiter?.destroy();
  }

  return {
    output,
    handles(url) {
      return url.startsWith("/2020-01-01/extension/") ||
        url.startsWith("/2022-07-01/telemetry");
    },
    async handle(request, response) {
      const url = (request.url ?? "").replace(/\/$/, "");
      const method = request.method ?? "GET";
      const route = `${method} ${url}`;
      if (route === "POST /2020-01-01/extension/register") {
        return await onRegister(request, response);
      }
      if (route === "GET /2020-01-01/extension/event/next") {
        return onNext(request, response);
      }
      if (route === "POST /2020-01-01/extension/init/error") {
        return await onError("init", request, response);
      }
      if (route === "POST /2020-01-01/extension/exit/error") {
        return await onError("exit", request, response);
      }
      if (route === "PUT /2022-07-01/telemetry") {
        return await onSubscribe(request, response);
      }
      await _readJson(request);
      _json(response, 404, {
        errorMessage: `No such Extensions API path: ${route}`,
        errorType: "NotFound",
      });
    },
    start,
    invoke,
    idle() {
      return [...registered.values()].every((extension) =>
        extension.failed ||
        (extension.waiter !== undefined && extension.queue.length === 0)
      );
    },
    processes() {
      return [...started.values()].filter((entry) => !entry.exited).map((
        entry,
      ) => entry.process);
    },
    shutdown,
  };
}

async function _executables(
  dir: string,
  platform: (line: string) => void,
): Promise<{ name: string; path: string }[]> {
  const found: { name: string; path: string }[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir.replace(/\/$/, "")}/${entry.name}`;
      const info = await Deno.stat(path);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) {
        found.push({ name: entry.name, path });
      }
    }
  } catch (error) {
    platform(`EXTENSION could not read ${dir}: ${_message(error)}`);
  }
  return found.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
