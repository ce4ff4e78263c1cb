/**
 * OTLP's http/protobuf bodies decoded: `ExportTraceServiceRequest` into
 * spans and `ExportLogsServiceRequest` into log records (the fields of
 * opentelemetry-proto's trace.proto, logs.proto and common.proto the local
 * view reads; others are skipped as protobuf allows).
 *
 * @module
 */

import {
  MAX_DEPTH,
  type OtlpLog,
  type OtlpSpan,
  type OtlpValue,
} from "./model.ts";
import {
  expect,
  fields,
  fixed64,
  hex,
  OtlpDecodeError,
  small,
  text,
  type WireField,
} from "./_wire.ts";

/** The spans of an `ExportTraceServiceRequest`; throws `OtlpDecodeError` on malformed bytes. */
export function decodeTracesProtobuf(bytes: Uint8Array): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  for (const resourceSpans of _messages(bytes, 1)) {
    let service: string | undefined;
    const scopes: Uint8Array[] = [];
    for (const field of fields(resourceSpans)) {
      if (field.no === 1) service = _service(expect(field, "bytes"));
      if (field.no === 2) scopes.push(expect(field, "bytes"));
    }
    for (const scope of scopes) {
      for (const span of _messages(scope, 2)) spans.push(_span(span, service));
    }
  }
  return spans;
}

/** The log records of an `ExportLogsServiceRequest`; throws `OtlpDecodeError` on malformed bytes. */
export function decodeLogsProtobuf(bytes: Uint8Array): OtlpLog[] {
  const logs: OtlpLog[] = [];
  for (const resourceLogs of _messages(bytes, 1)) {
    for (const scope of _messages(resourceLogs, 2)) {
      for (const record of _messages(scope, 2)) logs.push(_log(record));
    }
  }
  return logs;
}

/** The embedded messages of field `no`. */
function _messages(bytes: Uint8Array, no: number): Uint8Array[] {
  const found: Uint8Array[] = [];
  for (const field of fields(bytes)) {
    if (field.no === no) found.push(expect(field, "bytes"));
  }
  return found;
}

function _service(resource: Uint8Array): string | undefined {
  const name = _attributes(_messages(resource, 1))["service.name"];
  return typeof name === "string" ? name : undefined;
}

function _span(bytes: Uint8Array, service: string | undefined): OtlpSpan {
  let traceId = "", spanId = "", parentSpanId = "", name = "";
  let kind = 0, startNs = 0n, endNs = 0n;
  const attributes: Uint8Array[] = [];
  let status = { code: 0, message: "" };
  for (const field of fields(bytes)) {
    switch (field.no) {
      case 1:
        traceId = _id(field, 16, "trace_id");
        break;
      case 2:
        spanId = _id(field, 8, "span_id");
        break;
      case 4:
        parentSpanId = _id(field, 8, "parent_span_id");
        break;
      case 5:
        name = text(field);
        break;
      case 6:
        kind = small(field);
        break;
      case 7:
        startNs = fixed64(field);
        break;
      case 8:
        endNs = fixed64(field);
        break;
      case 9:
        attributes.push(expect(field, "bytes"));
        break;
      case 15:
        status = _status(expect(field, "bytes"));
        break;
    }
  }
  if (traceId === "" || spanId === "") {
    throw new OtlpDecodeError("a span has no trace_id or span_id");
  }
  return {
    traceId,
    spanId,
    parentSpanId,
    name,
    kind,
    startNs,
    endNs,
    attributes: _attributes(attributes),
    status,
    ...(service === undefined ? {} : { service }),
  };
}

function _log(bytes: Uint8Array): OtlpLog {
  let timeNs = 0n, observedNs = 0n, severityNumber = 0, severityText = "";
  let body: OtlpValue = null, traceId = "", spanId = "";
  const attributes: Uint8Array[] = [];
  for (const field of fields(bytes)) {
    switch (field.no) {
      case 1:
        timeNs = fixed64(field);
        break;
      case 11:
        observedNs = fixed64(field);
        break;
      case 2:
        severityNumber = small(field);
        break;
      case 3:
        severityText = text(field);
        break;
      case 5:
        body = _value(expect(field, "bytes"));
        break;
      case 6:
        attributes.push(expect(field, "bytes"));
        break;
      case 9:
        traceId = _id(field, 16, "trace_id");
        break;
      case 10:
        spanId = _id(field, 8, "span_id");
        break;
    }
  }
  return {
    timeNs: timeNs === 0n ? observedNs : timeNs,
    severityNumber,
    severityText,
    body,
    traceId,
    spanId,
    attributes: _attributes(attributes),
  };
}

/** An id of `size` bytes as hex; empty stays `""`. */
function _id(field: WireField, size: number, what: string): string {
  const bytes = expect(field, "bytes");
  if (bytes.length === 0) return "";
  if (bytes.length !== size) {
    throw new OtlpDecodeError(
      `${what} must be ${size} bytes, not ${bytes.length}`,
    );
  }
  return hex(bytes);
}

function _status(bytes: Uint8Array): { code: number; message: string } {
  let code = 0, message = "";
  for (const field of fields(bytes)) {
    if (field.no === 2) message = text(field);
    if (field.no === 3) code = small(field);
  }
  return { code, message };
}

/** KeyValue messages as a record. */
function _attributes(list: Uint8Array[], depth = 0): Record<string, OtlpValue> {
  const out: Record<string, OtlpValue> = {};
  for (const pair of list) {
    let key = "";
    let value: OtlpValue = null;
    for (const field of fields(pair)) {
      if (field.no === 1) key = text(field);
      if (field.no === 2) value = _value(expect(field, "bytes"), depth);
    }
    out[key] = value;
  }
  return out;
}

/** An AnyValue message. */
function _value(bytes: Uint8Array, depth = 0): OtlpValue {
  if (depth > MAX_DEPTH) {
    throw new OtlpDecodeError(`a value nests deeper than ${MAX_DEPTH} levels`);
  }
  let value: OtlpValue = null;
  for (const field of fields(bytes)) {
    switch (field.no) {
      case 1:
        value = text(field);
        break;
      case 2:
        value = expect(field, "varint") !== 0n;
        break;
      case 3:
        value = _int(BigInt.asIntN(64, expect(field, "varint")));
        break;
      case 4:
        value = expect(field, "fixed64").getFloat64(0, true);
        break;
      case 5:
        value = _messages(expect(field, "bytes"), 1).map((one) =>
          _value(one, depth + 1)
        );
        break;
      case 6:
        value = _attributes(_messages(expect(field, "bytes"), 1), depth + 1);
        break;
      case 7:
        value = hex(expect(field, "bytes"));
        break;
    }
  }
  return value;
}

function _int(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) &&
      value >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(value)
    : String(value);
}
