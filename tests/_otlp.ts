// OTLP trace exports built by hand (http/json and http/protobuf), standing in for an exporter in tests and fixtures.

/** A span as a test writes it; ids in hex, times in unix nanoseconds. */
export interface TestSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 1 internal, 2 server, 3 client. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  /** 2 marks an error. */
  statusCode?: number;
}

/** An `ExportTraceServiceRequest` in OTLP/JSON: hex ids, int64 as decimal strings. */
export function tracesJson(spans: TestSpan[]): string {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [_kv("service.name", "otlp-fixture")] },
      scopeSpans: [{
        scope: { name: "test" },
        spans: spans.map((span) => ({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? "",
          name: span.name,
          kind: span.kind,
          startTimeUnixNano: String(span.startNs),
          endTimeUnixNano: String(span.endNs),
          attributes: Object.entries(span.attributes).map(([k, v]) =>
            _kv(k, v)
          ),
          status: { code: span.statusCode ?? 0 },
        })),
      }],
    }],
  });
}

/** An `ExportLogsServiceRequest` in OTLP/JSON: one INFO record per line, written in span `spanId` of `traceId`. */
export function logsJson(
  traceId: string,
  spanId: string,
  lines: { timeNs: bigint; body: string }[],
): string {
  return JSON.stringify({
    resourceLogs: [{
      resource: { attributes: [_kv("service.name", "otlp-fixture")] },
      scopeLogs: [{
        scope: { name: "test" },
        logRecords: lines.map((line) => ({
          timeUnixNano: String(line.timeNs),
          severityNumber: 9,
          severityText: "INFO",
          body: { stringValue: line.body },
          traceId,
          spanId,
        })),
      }],
    }],
  });
}

function _kv(key: string, value: string | number | boolean) {
  return {
    key,
    value: typeof value === "string"
      ? { stringValue: value }
      : typeof value === "boolean"
      ? { boolValue: value }
      : Number.isInteger(value)
      ? { intValue: String(value) }
      : { doubleValue: value },
  };
}

/** The same request in protobuf's wire format (opentelemetry-proto's field numbers). */
export function tracesProtobuf(spans: TestSpan[]): Uint8Array<ArrayBuffer> {
  const scope = _message([[1, _text("test")]]);
  const spanMessages = spans.map((span) =>
    _message([
      [1, _hex(span.traceId)],
      [2, _hex(span.spanId)],
      [4, _hex(span.parentSpanId ?? "")],
      [5, _text(span.name)],
      [6, span.kind],
      [7, { fixed64: span.startNs }],
      [8, { fixed64: span.endNs }],
      ...Object.entries(span.attributes).map(([k, v]) =>
        [9, _protoKv(k, v)] as _Field
      ),
      [15, _message([[3, span.statusCode ?? 0]])],
    ])
  );
  const resource = _message([[1, _protoKv("service.name", "otlp-fixture")]]);
  const scopeSpans = _message([
    [1, scope],
    ...spanMessages.map((m) => [2, m] as _Field),
  ]);
  return _message([[1, _message([[1, resource], [2, scopeSpans]])]]);
}

type _Field = [
  number,
  number | Uint8Array | { fixed64: bigint } | { double: number },
];

function _protoKv(key: string, value: string | number | boolean): Uint8Array {
  const any = typeof value === "string"
    ? _message([[1, _text(value)]])
    : typeof value === "boolean"
    ? _message([[2, value ? 1 : 0]])
    : Number.isInteger(value)
    ? _message([[3, value]])
    : _message([[4, { double: value }]]);
  return _message([[1, _text(key)], [2, any]]);
}

function _message(fields: _Field[]): Uint8Array<ArrayBuffer> {
  const out: number[] = [];
  for (const [no, value] of fields) {
    if (typeof value === "number") {
      out.push(..._varint(no << 3), ..._varint(value));
    } else if (value instanceof Uint8Array) {
      out.push(..._varint((no << 3) | 2), ..._varint(value.length), ...value);
    } else {
      const view = new DataView(new ArrayBuffer(8));
      if ("fixed64" in value) view.setBigUint64(0, value.fixed64, true);
      else view.setFloat64(0, value.double, true);
      out.push(..._varint((no << 3) | 1), ...new Uint8Array(view.buffer));
    }
  }
  return new Uint8Array(out);
}

function _varint(value: number): number[] {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return bytes;
}

function _text(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function _hex(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)?.map((b) => parseInt(b, 16)) ?? []);
}

/** `bytes` random bytes as hex: a new trace (16) or span (8) id. */
export function randomId(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/**
 * The environment of fixtures/otlp_function.ts: OTel on, so the emulator runs its receiver, and the runtime's own
 * spans sampled out (`always_off`), since the fixture exports its spans by hand with the same `faas.invocation_id`.
 */
export const HAND_EXPORT_ENV: Readonly<Record<string, string>> = {
  OTEL_DENO: "true",
  OTEL_TRACES_SAMPLER: "always_off",
};
