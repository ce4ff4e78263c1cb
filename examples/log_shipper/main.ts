/**
 * An external extension that ships the function's logs in batches: it
 * registers for `INVOKE` and `SHUTDOWN`, subscribes to the Telemetry API
 * for the function's log lines, and ships what it has gathered at each
 * `INVOKE` (the previous invocation's lines), whenever a batch is full, and
 * at `SHUTDOWN`.
 *
 * "Shipping" here appends one JSON line per batch to the file named by
 * `LOG_SHIPPER_FILE`, or writes it to stderr when that is unset; replace
 * {@linkcode fileSink} with a sink of your own (an HTTP endpoint, say).
 *
 * Package it as a layer with `deno run -P=build examples/log_shipper/layer.ts`
 * (it becomes `/opt/extensions/log_shipper`), or run it under the emulator:
 * `deno task emulator examples/echo/main.ts --extensions DIR`, where `DIR`
 * holds an executable `log_shipper` that starts this file.
 *
 * @module
 */

import {
  createExtensionsApi,
  listenTelemetry,
  type TelemetryEvent,
} from "../../src/extensions/client.ts";

/** The extension's name: Lambda requires it to be the executable's file name. */
export const NAME = "log_shipper";

/** Where a batch goes. */
export type BatchSink = (batch: ShippedBatch) => void | Promise<void>;

/** One shipped batch. */
export interface ShippedBatch {
  /** When it was shipped (ISO 8601). */
  shippedAt: string;
  /** Why now: `invoke`, `full` or `shutdown`. */
  reason: "invoke" | "full" | "shutdown";
  /** The log records, oldest first. */
  records: { time: string; record: unknown }[];
}

/** Gathers telemetry events and ships them in batches of at most `maxBatch`. */
export class Shipper {
  #buffer: { time: string; record: unknown }[] = [];
  #sink: BatchSink;
  #maxBatch: number;
  #shipping: Promise<void> = Promise.resolve();

  /** Creates a shipper that writes to `sink`. */
  constructor(sink: BatchSink, maxBatch = 100) {
    this.#sink = sink;
    this.#maxBatch = maxBatch;
  }

  /** Adds the function's log lines from a Telemetry API batch. */
  add(events: TelemetryEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type !== "function") continue;
      this.#buffer.push({ time: event.time, record: event.record });
      if (this.#buffer.length >= this.#maxBatch) this.flush("full");
    }
    return this.#shipping;
  }

  /** Ships what is gathered, if anything; batches leave in order. */
  flush(reason: ShippedBatch["reason"]): Promise<void> {
    if (this.#buffer.length > 0) {
      const records = this.#buffer.splice(0);
      const batch = { shippedAt: new Date().toISOString(), reason, records };
      this.#shipping = this.#shipping.then(() => this.#sink(batch));
    }
    return this.#shipping;
  }
}

/** Appends each batch as one JSON line to `path`, or writes it to stderr when `path` is undefined. */
export function fileSink(path: string | undefined): BatchSink {
  return async (batch) => {
    const line = JSON.stringify(batch) + "\n";
    if (path === undefined) {
      await Deno.stderr.write(new TextEncoder().encode(`[${NAME}] ${line}`));
    } else await Deno.writeTextFile(path, line, { append: true });
  };
}

/** Runs the extension until `SHUTDOWN`. */
export async function main(): Promise<void> {
  const runtimeApi = Deno.env.get("AWS_LAMBDA_RUNTIME_API");
  if (!runtimeApi) {
    console.error(
      `[${NAME}] AWS_LAMBDA_RUNTIME_API is not set: run me as a Lambda extension`,
    );
    Deno.exit(1);
  }
  const extension = await createExtensionsApi(runtimeApi).register(NAME, [
    "INVOKE",
    "SHUTDOWN",
  ]);
  const shipper = new Shipper(fileSink(Deno.env.get("LOG_SHIPPER_FILE")));
  let listener;
  try {
    listener = listenTelemetry({ onEvents: (events) => shipper.add(events) });
    await extension.subscribeTelemetry({
      uri: listener.uri,
      types: ["function"],
      buffering: { timeoutMs: 25 },
    });
  } catch (error) {
    await extension.initError(error, "Extension.TelemetrySubscriptionFailed");
    Deno.exit(1);
  }
  console.log(`[${NAME}] registered as ${extension.id}`);
  for await (const event of extension.events()) {
    if (event.eventType === "INVOKE") {
      console.log(`[${NAME}] INVOKE ${event.requestId}`);
      await shipper.flush("invoke");
    } else {
      console.log(`[${NAME}] SHUTDOWN ${event.shutdownReason}`);
      await shipper.flush("shutdown");
    }
  }
  await listener.close();
}

if (import.meta.main) await main();
