/**
 * The emulator's Telemetry API: extensions subscribe to the function's,
 * the extensions' and the platform's lines and receive them in batches
 * over HTTP, buffered by count, bytes and time as Lambda buffers them.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { json, message, readJson } from "./_node_http.ts";

/** The kinds of record a subscriber may ask for. */
export type TelemetryType = "platform" | "function" | "extension";

/** The subscriptions and their batches. */
export interface TelemetryApi {
  /** Buffers one line for every subscriber of its type. */
  record(type: TelemetryType, line: string): void;
  /**
   * Buffers one platform event (`platform.start`, `platform.runtimeDone`,
   * `platform.report`, …) with its record object for every subscriber of
   * `platform`; `time` is when it happened (now when absent).
   */
  platform(type: `platform.${string}`, record: object, time?: Date): void;
  /** Answers `PUT /2022-07-01/telemetry` for a registered extension. */
  subscribe(
    extensionId: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void>;
  /** Sends every buffered batch now. */
  flush(): Promise<void>;
  /** Stops the timers and waits for the batches in flight. */
  close(): Promise<void>;
}

const _SCHEMAS = ["2022-07-01", "2022-12-13", "2025-01-29"];
const _TYPES = ["platform", "function", "extension"];
const _encoder = new TextEncoder();

interface _Subscription {
  uri: string;
  types: Set<string>;
  maxItems: number;
  maxBytes: number;
  timeoutMs: number;
  buffer: string[];
  bytes: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  sending: Promise<void>;
}

/** Creates the Telemetry API; `platform` receives its delivery failures. */
export function createTelemetryApi(
  platform: (line: string) => void,
): TelemetryApi {
  const subscriptions = new Map<string, _Subscription>();

  const flush = (subscription: _Subscription) => _flush(subscription, platform);

  /** Buffers `event` (JSON) for the subscribers of `category`. */
  const buffer = (category: TelemetryType, event: string) => {
    let bytes: number | undefined;
    for (const subscription of subscriptions.values()) {
      if (!subscription.types.has(category)) continue;
      subscription.buffer.push(event);
      // maxBytes counts UTF-8 bytes, not UTF-16 code units.
      bytes ??= _encoder.encode(event).byteLength;
      subscription.bytes += bytes;
      if (
        subscription.buffer.length >= subscription.maxItems ||
        subscription.bytes >= subscription.maxBytes
      ) {
        flush(subscription);
      } else {
        subscription.timer ??= setTimeout(
          () => flush(subscription),
          subscription.timeoutMs,
        );
      }
    }
  };

  return {
    record(type, record) {
      if (subscriptions.size === 0) return;
      buffer(
        type,
        JSON.stringify({ time: new Date().toISOString(), type, record }),
      );
    },
    platform(type, record, time = new Date()) {
      if (subscriptions.size === 0) return;
      buffer(
        "platform",
        JSON.stringify({ time: time.toISOString(), type, record }),
      );
    },
    async subscribe(extensionId, request, response) {
      const body = await readJson(request);
      const problem = subscriptionProblem(body);
      if (problem !== undefined) {
        return json(response, 400, {
          errorMessage: problem,
          errorType: "ValidationError",
        });
      }
      const old = subscriptions.get(extensionId);
      if (old !== undefined) await flush(old);
      subscriptions.set(extensionId, _subscription(body));
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("OK");
    },
    async flush() {
      await Promise.all([...subscriptions.values()].map(flush));
    },
    async close() {
      for (const subscription of subscriptions.values()) {
        clearTimeout(subscription.timer);
        await subscription.sending;
      }
    },
  };
}

/** Sends what a subscription has buffered, after the batch before it. */
function _flush(
  subscription: _Subscription,
  platform: (line: string) => void,
): Promise<void> {
  clearTimeout(subscription.timer);
  subscription.timer = undefined;
  if (subscription.buffer.length === 0) return subscription.sending;
  const body = `[${subscription.buffer.splice(0).join(",")}]`;
  subscription.bytes = 0;
  // One batch in flight per subscriber keeps the order.
  subscription.sending = subscription.sending.then(async () => {
    try {
      const response = await fetch(subscription.uri, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      await response.body?.cancel();
      if (!response.ok) {
        platform(
          `TELEMETRY ${subscription.uri} answered ${response.status}; the batch was dropped`,
        );
      }
    } catch (error) {
      platform(
        `TELEMETRY could not deliver to ${subscription.uri}: ${message(error)}`,
      );
    }
  });
  return subscription.sending;
}

/** A new subscription from a valid request's body, with Lambda's buffering defaults. */
// deno-lint-ignore no-explicit-any
function _subscription(body: any): _Subscription {
  const buffering = body.buffering ?? {};
  return {
    uri: body.destination.URI,
    types: new Set(body.types),
    maxItems: buffering.maxItems ?? 1000,
    maxBytes: buffering.maxBytes ?? 262_144,
    timeoutMs: buffering.timeoutMs ?? 100,
    buffer: [],
    bytes: 0,
    timer: undefined,
    sending: Promise.resolve(),
  };
}

/** What is wrong with a subscription request, as Lambda's validation says it; `undefined` when it is fine. */
// deno-lint-ignore no-explicit-any
export function subscriptionProblem(body: any): string | undefined {
  if (typeof body !== "object" || body === null) {
    return "The subscription must be a JSON object";
  }
  if (!_SCHEMAS.includes(body.schemaVersion)) {
    return `schemaVersion must be one of ${_SCHEMAS.join(", ")}`;
  }
  const destination = body.destination;
  if (destination?.protocol !== "HTTP") {
    return "destination.protocol must be HTTP (the emulator does not deliver over TCP)";
  }
  if (
    typeof destination.URI !== "string" || !/^http:\/\//.test(destination.URI)
  ) {
    return "destination.URI must be an http:// address";
  }
  if (
    !Array.isArray(body.types) || body.types.length === 0 ||
    body.types.some((type: unknown) => !_TYPES.includes(type as string))
  ) {
    return `types must list some of ${_TYPES.join(", ")}`;
  }
  const buffering = body.buffering ?? {};
  const ranges: [string, number, number][] = [
    ["maxItems", 1000, 10_000],
    ["maxBytes", 262_144, 1_048_576],
    ["timeoutMs", 25, 30_000],
  ];
  for (const [key, min, max] of ranges) {
    const value = buffering[key];
    if (
      value !== undefined &&
      (!Number.isInteger(value) || value < min || value > max)
    ) {
      return `buffering.${key} must be a whole number from ${min} to ${max}`;
    }
  }
  return undefined;
}
