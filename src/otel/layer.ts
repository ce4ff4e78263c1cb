/**
 * The OpenTelemetry layer, composed only when `OTEL_DENO=true`: one span per
 * invocation on Deno's built-in tracer, following OpenTelemetry's FaaS
 * conventions, made the active context while the handler runs (so Deno's
 * `fetch` spans are its children and `console` lines carry its ids), and a
 * bounded wait before each `/next` so that Lambda's freeze finds the export
 * sent.
 *
 * @module
 */

import type { LambdaEnvironment, OtelSettings } from "../core/environment.ts";
import type { Layer } from "../core/layer.ts";
import type { RuntimeApi } from "../core/runtime_api.ts";
import { VERSION } from "../core/version.ts";
import {
  contextWith,
  type DenoSpan,
  type DenoTelemetry,
  denoTelemetry,
  type OtelContext,
  SPAN_KEY,
  SpanKind,
  SpanStatusCode,
} from "./_deno.ts";
import { invocationAttributes } from "./_attributes.ts";
import { type FlushGate, flushGate } from "./_flush.ts";
import { chooseParent } from "./_parent.ts";
import { eventFacts, eventHeader } from "./_trigger.ts";

/** The instrumentation scope the invocation spans are recorded under. */
export const TRACER_NAME = "@rtl/lambda";

/** Seams of {@linkcode otelLayer}, for tests. */
export interface OtelLayerOptions {
  /** Deno's tracer and context manager; the built-in ones when absent. */
  readonly telemetry?: DenoTelemetry;
  /** The gate `/next` waits on; one over `settings.flushMs` when absent. */
  readonly gate?: FlushGate;
}

/** The layer `run()` lists when OpenTelemetry is on. */
export function otelLayer(
  environment: LambdaEnvironment,
  settings: OtelSettings,
  options: OtelLayerOptions = {},
): Layer {
  const telemetry = options.telemetry ?? denoTelemetry(TRACER_NAME, VERSION);
  const gate = options.gate ?? flushGate(settings.flushMs);
  // The Runtime API's own requests belong to no trace: an unsampled parent keeps Deno's `fetch` from recording them.
  const quiet = contextWith(telemetry, _unsampled());
  let first = environment.initializationType !== "provisioned-concurrency";
  return {
    name: "opentelemetry",
    scope: async (context, invoke) => {
      const facts = eventFacts(context.rawEvent);
      const parent = chooseParent(
        settings.propagators,
        context.xRayTraceId,
        () => eventHeader(facts.headers, "traceparent"),
      );
      const span = telemetry.tracer.startSpan(
        environment.functionName || context.functionName,
        {
          kind: facts.trigger === "pubsub"
            ? SpanKind.CONSUMER
            : SpanKind.SERVER,
          attributes: invocationAttributes(environment, context, {
            trigger: facts.trigger,
            coldStart: first,
          }),
        },
        contextWith(telemetry, parent),
      );
      first = false;
      const active = contextWith(telemetry, undefined).setValue(SPAN_KEY, span);
      let open = true;
      const finish = (error?: unknown) => {
        if (!open) return;
        open = false;
        if (error !== undefined) _recordError(span, error);
        span.end();
        gate.ended();
      };
      // A handler past its deadline may never settle: its span ends with the deadline's error.
      const onDeadline = () => finish(context.signal.reason);
      context.signal.addEventListener("abort", onDeadline, { once: true });
      try {
        return await telemetry.contextManager.with(active, invoke);
      } catch (error) {
        finish(error ?? new Error(String(error)));
        throw error;
      } finally {
        context.signal.removeEventListener("abort", onDeadline);
        finish();
      }
    },
    api: (api) => _quietApi(api, telemetry, quiet, gate),
  };
}

function _recordError(span: DenoSpan, error: unknown): void {
  const thrown = error instanceof Error
    ? error
    : { name: "Error", message: String(error) };
  span.recordException(thrown);
  span.setStatus({ code: SpanStatusCode.ERROR, message: thrown.message });
}

/** The client with every request outside any trace, and `/next` after the gate. */
function _quietApi(
  api: RuntimeApi,
  telemetry: DenoTelemetry,
  quiet: OtelContext,
  gate: FlushGate,
): RuntimeApi {
  const run = <T>(fn: () => T): T => telemetry.contextManager.with(quiet, fn);
  return {
    next: async (signal) => {
      await gate.settle(signal);
      return await run(() => api.next(signal));
    },
    respond: (invocation, body, options) =>
      run(() => api.respond(invocation, body, options)),
    fail: (invocation, report, options) =>
      run(() => api.fail(invocation, report, options)),
    failInit: (report) => run(() => api.failInit(report)),
    ...(api.stream && {
      stream: (invocation, body, options) =>
        run(() => api.stream!(invocation, body, options)),
    }),
    ...(api.reachable && { reachable: () => api.reachable!() }),
  };
}

function _unsampled() {
  const hex = (bytes: number) =>
    Array.from(
      crypto.getRandomValues(new Uint8Array(bytes)),
      (byte) => byte.toString(16).padStart(2, "0"),
    ).join("");
  return { traceId: hex(16), spanId: hex(8), traceFlags: 0, isRemote: true };
}
