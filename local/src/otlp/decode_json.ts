/**
 * OTLP's http/json bodies decoded into the same spans and log records as
 * the protobuf ones: ids in hex, 64-bit integers as strings or numbers,
 * enums as numbers, the OTLP specification's JSON mapping of protobuf.
 *
 * @module
 */

import {
  MAX_DEPTH,
  type OtlpLog,
  type OtlpSpan,
  type OtlpValue,
} from "./model.ts";
import { OtlpDecodeError } from "./_wire.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** The spans of an `ExportTraceServiceRequest` in JSON; throws `OtlpDecodeError` on a malformed one. */
export function decodeTracesJson(body: Json): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  for (
    const resource of _list(
      _object(body, "request").resourceSpans,
      "resourceSpans",
    )
  ) {
    const attributes = _attributes(
      _object(resource, "resourceSpans[]").resource?.attributes,
    );
    const service = typeof attributes["service.name"] === "string"
      ? attributes["service.name"] as string
      : undefined;
    for (const scope of _list(resource.scopeSpans, "scopeSpans")) {
      for (const span of _list(_object(scope, "scopeSpans[]").spans, "spans")) {
        spans.push(_span(_object(span, "span"), service));
      }
    }
  }
  return spans;
}

/** The log records of an `ExportLogsServiceRequest` in JSON; throws `OtlpDecodeError` on a malformed one. */
export function decodeLogsJson(body: Json): OtlpLog[] {
  const logs: OtlpLog[] = [];
  for (
    const resource of _list(
      _object(body, "request").resourceLogs,
      "resourceLogs",
    )
  ) {
    for (
      const scope of _list(
        _object(resource, "resourceLogs[]").scopeLogs,
        "scopeLogs",
      )
    ) {
      for (
        const record of _list(
          _object(scope, "scopeLogs[]").logRecords,
          "logRecords",
        )
      ) {
        const log = _object(record, "logRecord");
        const time = _nanos(log.timeUnixNano, "timeUnixNano");
        logs.push({
          timeNs: time === 0n
            ? _nanos(log.observedTimeUnixNano, "observedTimeUnixNano")
            : time,
          severityNumber: _int(log.severityNumber, "severityNumber"),
          severityText: _string(log.severityText, "severityText"),
          body: log.body === undefined ? null : _value(log.body, 0),
          traceId: _id(log.traceId, 32, "traceId", true),
          spanId: _id(log.spanId, 16, "spanId", true),
          attributes: _attributes(log.attributes),
        });
      }
    }
  }
  return logs;
}

function _span(span: Json, service: string | undefined): OtlpSpan {
  const status = span.status === undefined
    ? {}
    : _object(span.status, "status");
  return {
    traceId: _id(span.traceId, 32, "traceId", false),
    spanId: _id(span.spanId, 16, "spanId", false),
    parentSpanId: _id(span.parentSpanId, 16, "parentSpanId", true),
    name: _string(span.name, "name"),
    kind: _int(span.kind, "kind"),
    startNs: _nanos(span.startTimeUnixNano, "startTimeUnixNano"),
    endNs: _nanos(span.endTimeUnixNano, "endTimeUnixNano"),
    attributes: _attributes(span.attributes),
    status: {
      code: _int(status.code, "status.code"),
      message: _string(status.message, "status.message"),
    },
    ...(service === undefined ? {} : { service }),
  };
}

function _object(value: Json, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new OtlpDecodeError(`${what} must be a JSON object`);
  }
  return value;
}

function _list(value: Json, what: string): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new OtlpDecodeError(`${what} must be an array`);
  }
  return value;
}

function _string(value: Json, what: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") {
    throw new OtlpDecodeError(`${what} must be a string`);
  }
  return value;
}

function _int(value: Json, what: string): number {
  if (value === undefined || value === null) return 0;
  if (!Number.isInteger(value)) {
    throw new OtlpDecodeError(`${what} must be an integer`);
  }
  return value;
}

/** A fixed64 time: a decimal string (as OTLP/JSON writes int64) or a number. */
function _nanos(value: Json, what: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) {
    return BigInt(value);
  }
  if (typeof value === "string" && /^\d{1,20}$/.test(value)) {
    return BigInt(value);
  }
  throw new OtlpDecodeError(
    `${what} must be unix nanoseconds as a decimal string`,
  );
}

/** A hex id of `digits` digits; empty allowed where `optional`. */
function _id(
  value: Json,
  digits: number,
  what: string,
  optional: boolean,
): string {
  const id = _string(value, what).toLowerCase();
  if (id === "" && optional) return "";
  if (!new RegExp(`^[0-9a-f]{${digits}}$`).test(id)) {
    throw new OtlpDecodeError(`${what} must be ${digits} hex digits`);
  }
  return id;
}

function _attributes(list: Json, depth = 0): Record<string, OtlpValue> {
  const out: Record<string, OtlpValue> = {};
  for (const pair of _list(list, "attributes")) {
    const { key, value } = _object(pair, "attribute");
    out[_string(key, "attribute key")] = value === undefined
      ? null
      : _value(value, depth);
  }
  return out;
}

function _value(value: Json, depth: number): OtlpValue {
  if (depth > MAX_DEPTH) {
    throw new OtlpDecodeError(`a value nests deeper than ${MAX_DEPTH} levels`);
  }
  const any = _object(value, "value");
  if ("stringValue" in any) return _string(any.stringValue, "stringValue");
  if ("boolValue" in any) return any.boolValue === true;
  if ("intValue" in any) {
    const int = any.intValue;
    if (typeof int === "number" && Number.isInteger(int)) return int;
    if (typeof int === "string" && /^-?\d{1,20}$/.test(int)) {
      return Number.isSafeInteger(Number(int)) ? Number(int) : int;
    }
    throw new OtlpDecodeError(
      "intValue must be an integer or its decimal string",
    );
  }
  if ("doubleValue" in any) return Number(any.doubleValue);
  if ("arrayValue" in any) {
    return _list(
      _object(any.arrayValue, "arrayValue").values,
      "arrayValue.values",
    )
      .map((one) => _value(one, depth + 1));
  }
  if ("kvlistValue" in any) {
    return _attributes(
      _object(any.kvlistValue, "kvlistValue").values,
      depth + 1,
    );
  }
  if ("bytesValue" in any) return _string(any.bytesValue, "bytesValue");
  return null;
}
