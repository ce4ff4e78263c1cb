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
import type { FunctionProcess, OutputSink } from "./function_process.ts";
import type { Freezer } from "./freezer.ts";
import { createTelemetryApi, type TelemetryApi } from "./telemetry_api.ts";
import { runShutdownPhase } from "./shutdown_phase.ts";
import { json, readJson } from "./_node_http.ts";
import {
  change,
  type ExtensionChange,
  type HostParts,
  isIdle,
  type Launched,
  type Registration,
} from "./_extension_state.ts";
import { EXTENSION_ROUTES } from "./_extension_routes.ts";
import { launchExternals } from "./_extension_launch.ts";

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
  /** Hands a platform event (`platform.start`, `platform.report`, …) to the Telemetry API's subscribers. */
  platformEvent(type: `platform.${string}`, record: object, time?: Date): void;
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

/** Creates the host; nothing runs until `start()`. */
export function createExtensionHost(
  options: ExtensionHostOptions,
): ExtensionHost {
  return new _Host(options);
}

// The host's state, shared with the routes (_extension_routes.ts) and the launcher (_extension_launch.ts).
class _Host implements ExtensionHost, HostParts {
  /** How the host was set up. */
  readonly options: ExtensionHostOptions;
  /** The registrations by identifier. */
  readonly registered: Map<string, Registration> = new Map();
  /** The external extensions started, by name. */
  readonly started: Map<string, Launched> = new Map();
  /** Called on each registration and each external exit. */
  readonly listeners: Set<() => void> = new Set();
  /** The Telemetry API's subscribers. */
  readonly telemetry: TelemetryApi;
  /** Whether the shutdown phase has begun: an extension exiting is expected then. */
  shuttingDown = false;

  /** Creates the host. */
  constructor(options: ExtensionHostOptions) {
    this.options = options;
    this.telemetry = createTelemetryApi((line) => this.platform(line));
  }

  /** A platform line. */
  platform(line: string): void {
    this.options.output(line, "platform");
  }

  /** The emulator's sink, which also feeds Telemetry API subscribers. */
  readonly output: OutputSink = (line, source) => {
    this.options.output(line, source);
    if (source !== "platform") this.telemetry.record("function", line);
  };

  /** Applies `what` to `extension` (its one transition) and forgets it once gone. */
  change(extension: Registration, what: ExtensionChange): void {
    change(extension, what);
    if (extension.state.kind === "gone") this.registered.delete(extension.id);
  }

  /** The registration named `name`, if any. */
  named(name: string): Registration | undefined {
    return [...this.registered.values()].find((r) => r.name === name);
  }

  /** Tells the listeners something registered or exited. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  handles(url: string): boolean {
    return url.startsWith("/2020-01-01/extension/") ||
      url.startsWith("/2022-07-01/telemetry");
  }

  async handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const path = (request.url ?? "").replace(/\/$/, "");
    const method = request.method ?? "GET";
    const route = EXTENSION_ROUTES.find((r) =>
      r.method === method && r.path === path
    );
    if (route !== undefined) {
      return await route.handler(this, request, response);
    }
    await readJson(request);
    json(response, 404, {
      errorMessage: `No such Extensions API path: ${method} ${path}`,
      errorType: "NotFound",
    });
  }

  async start(env: Record<string, string>): Promise<void> {
    await launchExternals(this, env);
  }

  invoke(metadata: InvokeMetadata): void {
    for (const extension of this.registered.values()) {
      if (!extension.events.has("INVOKE")) continue;
      this.change(extension, {
        kind: "event",
        event: {
          eventType: "INVOKE",
          deadlineMs: metadata.deadlineMs,
          requestId: metadata.requestId,
          invokedFunctionArn: metadata.invokedFunctionArn,
          tracing: { type: "X-Amzn-Trace-Id", value: metadata.traceId },
        },
      });
    }
  }

  platformEvent(type: `platform.${string}`, record: object, time?: Date): void {
    this.telemetry.platform(type, record, time);
  }

  idle(): boolean {
    return [...this.registered.values()].every(isIdle);
  }

  processes(): FunctionProcess[] {
    return [...this.started.values()].filter((entry) => !entry.exited)
      .map((entry) => entry.process);
  }

  async shutdown(runtime: FunctionProcess | undefined): Promise<void> {
    const all = [...this.registered.values()];
    const externals = this.processes();
    await runShutdownPhase({
      runtime,
      registered: all.length > 0,
      internal: all.some((extension) => !extension.external),
      externals,
      announce: (deadlineMs) => this.#announce(deadlineMs),
    });
    await this.telemetry.close();
    for (const extension of [...this.registered.values()]) {
      this.change(extension, { kind: "deregistered" });
    }
  }

  async #announce(deadlineMs: number): Promise<void> {
    // What the runtime wrote on its way out reaches the subscribers before SHUTDOWN.
    await this.telemetry.flush();
    this.shuttingDown = true;
    for (const extension of this.registered.values()) {
      if (!extension.external || !extension.events.has("SHUTDOWN")) continue;
      this.change(extension, {
        kind: "event",
        event: {
          eventType: "SHUTDOWN",
          shutdownReason: "spindown",
          deadlineMs,
        },
      });
    }
  }
}
