// A registered extension's life as a union of states, and the one function that moves it between them:
// active (working on its last event) → waiting (parked on /event/next) → active …; failed once it reports
// an error; gone once deregistered (its process exited, or an internal one's poll ended).
import type { ServerResponse } from "node:http";
import type { FunctionProcess, OutputSink } from "./function_process.ts";
import type { Freezer } from "./freezer.ts";
import type { TelemetryApi } from "./telemetry_api.ts";
import { json } from "./_node_http.ts";

/** An event the Extensions API hands out. */
export type ExtensionEvent = Record<string, unknown> & {
  eventType: "INVOKE" | "SHUTDOWN";
};

/** Where a registered extension is. */
export type ExtensionState =
  | { readonly kind: "active" }
  | { readonly kind: "waiting"; readonly poll: ServerResponse }
  | { readonly kind: "failed"; readonly poll?: ServerResponse }
  | { readonly kind: "gone" };

/** What happens to a registered extension. */
export type ExtensionChange =
  | { readonly kind: "poll"; readonly poll: ServerResponse }
  | { readonly kind: "poll closed"; readonly poll: ServerResponse }
  | { readonly kind: "event"; readonly event: ExtensionEvent }
  | { readonly kind: "error reported" }
  | { readonly kind: "deregistered" };

/** One registration. */
export interface Registration {
  /** Its `Lambda-Extension-Identifier`. */
  readonly id: string;
  /** Its `Lambda-Extension-Name`. */
  readonly name: string;
  /** The events it registered for. */
  readonly events: ReadonlySet<string>;
  /** Whether it is an executable of the extensions folder (else a part of the function's process). */
  readonly external: boolean;
  /** Events not yet handed out. */
  readonly queue: ExtensionEvent[];
  /** Where it is: changed by {@linkcode change} alone. */
  state: ExtensionState;
}

/** A new registration, active until it polls. */
export function registration(
  name: string,
  events: readonly string[],
  external: boolean,
): Registration {
  return {
    id: crypto.randomUUID(),
    name,
    events: new Set(events),
    external,
    queue: [],
    state: { kind: "active" },
  };
}

/**
 * Applies `what` to `extension`: the only place its state changes. A
 * waiting extension is handed its next queued event at once.
 */
export function change(extension: Registration, what: ExtensionChange): void {
  const state = extension.state;
  if (state.kind === "gone") return;
  switch (what.kind) {
    case "poll":
      // A second poll replaces the first, as a reconnecting client's does.
      if (state.kind === "waiting") state.poll.destroy();
      if (state.kind === "failed") return;
      extension.state = { kind: "waiting", poll: what.poll };
      break;
    case "poll closed":
      if (_pollOf(state) !== what.poll) return;
      // An internal extension's poll ends with its process: so does its registration.
      extension.state = extension.external
        ? (state.kind === "failed" ? { kind: "failed" } : { kind: "active" })
        : { kind: "gone" };
      return;
    case "event":
      // A failed extension gets no more INVOKEs, but still hears of the shutdown.
      if (state.kind === "failed" && what.event.eventType !== "SHUTDOWN") {
        return;
      }
      extension.queue.push(what.event);
      break;
    case "error reported":
      extension.state = { kind: "failed", poll: _pollOf(state) };
      return;
    case "deregistered":
      _pollOf(state)?.destroy();
      extension.state = { kind: "gone" };
      return;
  }
  _deliver(extension);
}

/** Whether it waits with nothing to do (or no longer counts). */
export function isIdle(extension: Registration): boolean {
  return extension.state.kind !== "active";
}

/** The open poll, if any. */
function _pollOf(state: ExtensionState): ServerResponse | undefined {
  return state.kind === "waiting" || state.kind === "failed"
    ? state.poll
    : undefined;
}

function _deliver(extension: Registration): void {
  const state = extension.state;
  const poll = _pollOf(state);
  if (poll === undefined || extension.queue.length === 0) return;
  extension.state = state.kind === "failed"
    ? { kind: "failed" }
    : { kind: "active" };
  json(poll, 200, extension.queue.shift()!, {
    "lambda-extension-event-identifier": crypto.randomUUID(),
  });
}

/** An external extension's process, as started. */
export interface Launched {
  /** Its file name: the name it registers with. */
  readonly name: string;
  /** The process. */
  readonly process: FunctionProcess;
  /** Whether it has exited. */
  exited: boolean;
}

/** What the Extensions API's routes and the launcher share with the host. */
export interface HostParts {
  /** How the host was set up. */
  readonly options: {
    readonly dir?: string;
    readonly output: OutputSink;
    readonly inInit: () => boolean;
    readonly functionName: string;
    readonly freezer?: Freezer;
    readonly onIdle?: () => void;
  };
  /** The registrations by identifier. */
  readonly registered: Map<string, Registration>;
  /** The external extensions started, by name. */
  readonly started: Map<string, Launched>;
  /** Called on each registration and each external exit. */
  readonly listeners: Set<() => void>;
  /** The Telemetry API's subscribers. */
  readonly telemetry: TelemetryApi;
  /** Whether the shutdown phase has begun: an extension exiting is expected then. */
  readonly shuttingDown: boolean;
  /** A platform line. */
  platform(line: string): void;
  /** Applies `what` to `extension` (its one transition) and forgets it once gone. */
  change(extension: Registration, what: ExtensionChange): void;
  /** The registration named `name`, if any. */
  named(name: string): Registration | undefined;
  /** Tells the listeners something registered or exited. */
  notify(): void;
}
