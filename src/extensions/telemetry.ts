/**
 * The HTTP listener a Telemetry API subscription delivers to: Lambda POSTs
 * batches of events, as JSON arrays, to the address the extension gave.
 *
 * @module
 */

/**
 * One Telemetry API event. For `function` and `extension` events, `record`
 * is the log line (text format) or its JSON object (JSON format).
 *
 * @example
 * ```ts
 * import type { TelemetryEvent } from "@rtl/lambda/extensions";
 *
 * const event: TelemetryEvent = {
 *   time: "2022-10-12T00:03:50.000Z",
 *   type: "function",
 *   record: "[INFO] Hello world, I am a function!",
 * };
 * ```
 */
export interface TelemetryEvent {
  /** When the event happened (ISO 8601). */
  time: string;
  /** `function`, `extension`, or a `platform.*` type. */
  type: string;
  /** The event's content. */
  record: unknown;
}

/**
 * Options for {@linkcode listenTelemetry}.
 *
 * @example
 * ```ts
 * import type { TelemetryListenerOptions } from "@rtl/lambda/extensions";
 *
 * const options: TelemetryListenerOptions = {
 *   hostname: "127.0.0.1",
 *   onEvents: (events) => console.log(events.length, "events"),
 * };
 * ```
 */
export interface TelemetryListenerOptions {
  /** The address to listen on and to give Lambda; {@linkcode sandboxHostname} when absent. */
  hostname?: string;
  /** The port; any free one when absent. */
  port?: number;
  /** Receives each batch; a throw answers 500, and Lambda sends the batch again. */
  onEvents: (events: TelemetryEvent[]) => void | Promise<void>;
}

/**
 * A running listener. Subscribe with its `uri`.
 *
 * @example
 * ```ts ignore
 * import { listenTelemetry } from "@rtl/lambda/extensions";
 *
 * await using listener = listenTelemetry({ onEvents: console.log });
 * console.log(listener.uri);
 * ```
 */
export interface TelemetryListener extends AsyncDisposable {
  /** `http://hostname:port`: the `destination.URI` of the subscription. */
  readonly uri: string;
  /** Stops listening. */
  close(): Promise<void>;
}

/**
 * The host name an extension's listener uses: `sandbox.localdomain` on
 * Lambda, or `RTL_LAMBDA_SANDBOX_HOSTNAME` when set (the emulator sets it
 * to `127.0.0.1` for the extensions it runs).
 *
 * @example
 * ```ts
 * import { sandboxHostname } from "@rtl/lambda/extensions";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sandboxHostname({}), "sandbox.localdomain");
 * assert.equal(sandboxHostname({ RTL_LAMBDA_SANDBOX_HOSTNAME: "127.0.0.1" }), "127.0.0.1");
 * ```
 */
export function sandboxHostname(
  env?: Readonly<Record<string, string | undefined>>,
): string {
  let value: string | undefined;
  if (env !== undefined) value = env.RTL_LAMBDA_SANDBOX_HOSTNAME;
  else {
    try {
      value = Deno.env.get("RTL_LAMBDA_SANDBOX_HOSTNAME");
    } catch {
      // No permission to read it: Lambda's name it is.
    }
  }
  return value || "sandbox.localdomain";
}

/**
 * Starts an HTTP listener for Telemetry API batches.
 *
 * @example Receiving one batch
 * ```ts
 * import { listenTelemetry, type TelemetryEvent } from "@rtl/lambda/extensions";
 * import assert from "node:assert/strict";
 *
 * const received: TelemetryEvent[] = [];
 * await using listener = listenTelemetry({
 *   hostname: "127.0.0.1",
 *   onEvents: (events) => { received.push(...events); },
 * });
 * const response = await fetch(listener.uri, {
 *   method: "POST",
 *   body: JSON.stringify([{ time: new Date().toISOString(), type: "function", record: "hello" }]),
 * });
 * await response.body?.cancel();
 * assert.equal(received[0].record, "hello");
 * ```
 */
export function listenTelemetry(
  options: TelemetryListenerOptions,
): TelemetryListener {
  const hostname = options.hostname ?? sandboxHostname();
  const server = Deno.serve(
    { hostname, port: options.port ?? 0, onListen: () => {} },
    async (request) => {
      if (request.method !== "POST") {
        return new Response("POST telemetry batches here", { status: 405 });
      }
      let events: unknown;
      try {
        events = await request.json();
      } catch {
        return new Response("The batch is not JSON", { status: 400 });
      }
      if (!Array.isArray(events)) {
        return new Response("A batch is a JSON array", { status: 400 });
      }
      try {
        await options.onEvents(events as TelemetryEvent[]);
      } catch (error) {
        return new Response(
          `The listener failed: ${
            error instanceof Error ? error.message : String(error)
          }`,
          { status: 500 },
        );
      }
      return new Response(null, { status: 200 });
    },
  );
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const uri = `http://${host}:${server.addr.port}`;
  const close = () => server.shutdown();
  return { uri, close, [Symbol.asyncDispose]: close };
}
