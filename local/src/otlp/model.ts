/**
 * What the local Lambda keeps of an OTLP export: spans and log records,
 * decoded from http/protobuf or http/json into one shape.
 *
 * @module
 */

/** An attribute's or a log body's value (OTLP's `AnyValue`); a 64-bit integer beyond 2^53 stays a string. */
export type OtlpValue =
  | string
  | number
  | boolean
  | null
  | OtlpValue[]
  | { [key: string]: OtlpValue };

/** One span, ids in lowercase hex, times in unix nanoseconds. */
export interface OtlpSpan {
  /** 32 hex digits. */
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId: string;
  /** 16 hex digits, or `""` for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (0 unspecified). */
  readonly kind: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Readonly<Record<string, OtlpValue>>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message: string };
  /** The resource's `service.name`, when it has one. */
  readonly service?: string;
}

/** One log record, with the ids of the span it was written in (`""` outside one). */
export interface OtlpLog {
  readonly timeNs: bigint;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: OtlpValue;
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: Readonly<Record<string, OtlpValue>>;
}

/** The span attribute that names the invocation a span belongs to: the request id. */
export const INVOCATION_ID = "faas.invocation_id";

/** How deep an attribute value may nest (arrays, key-value lists) before the export is refused. */
export const MAX_DEPTH = 16;
