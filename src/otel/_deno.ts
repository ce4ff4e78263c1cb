// Deno's built-in OpenTelemetry, typed: its tracer, its context manager, and the context key `@opentelemetry/api` uses.

/** A span context, as `@opentelemetry/api` shapes it. */
export interface SpanContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly isRemote?: boolean;
}

/** An attribute value Deno's spans accept. */
export type AttributeValue = string | number | boolean;

/** The part of Deno's span the layer uses. */
export interface DenoSpan {
  spanContext(): SpanContext;
  setAttribute(key: string, value: AttributeValue): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(
    exception: { name?: string; message?: string; stack?: string },
  ): void;
  end(endTime?: number): void;
  isRecording(): boolean;
}

/** An immutable context, as `@opentelemetry/api` shapes it. */
export interface OtelContext {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): OtelContext;
  deleteValue(key: symbol): OtelContext;
}

/** The tracer and context manager Deno registers for `@opentelemetry/api`. */
export interface DenoTelemetry {
  readonly tracer: {
    startSpan(
      name: string,
      options: {
        kind: number;
        attributes: Record<string, AttributeValue>;
        startTime?: number;
      },
      context: OtelContext,
    ): DenoSpan;
  };
  readonly contextManager: {
    active(): OtelContext;
    with<T>(context: OtelContext, fn: () => T): T;
  };
}

/** The key `@opentelemetry/api` (and Deno's `fetch` and `Deno.serve`) read the active span under. */
export const SPAN_KEY: symbol = Symbol.for("OpenTelemetry Context Key SPAN");

/** `@opentelemetry/api`'s span kinds. */
export const SpanKind = { SERVER: 1, CONSUMER: 4 } as const;

/** `@opentelemetry/api`'s status codes. */
export const SpanStatusCode = { ERROR: 2 } as const;

/** Deno's tracer (named for this runtime) and context manager. */
export function denoTelemetry(name: string, version: string): DenoTelemetry {
  const telemetry = Deno.telemetry;
  return {
    tracer: telemetry.tracerProvider.getTracer(name, version),
    contextManager: telemetry.contextManager,
  };
}

/** A context holding `parent` as its span (or no span): never the active one, which a top-level `fetch` can leave set. */
export function contextWith(
  telemetry: DenoTelemetry,
  parent: SpanContext | undefined,
): OtelContext {
  const root = telemetry.contextManager.active().deleteValue(SPAN_KEY);
  if (parent === undefined) return root;
  // Deno starts a child of a span it did not make from its span context (its `startSpanForeign`).
  return root.setValue(SPAN_KEY, {
    spanContext: () => parent,
    isRecording: () => false,
  });
}
