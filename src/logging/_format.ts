/**
 * How one log call becomes one line, in the two formats Lambda's managed
 * runtimes write: Text (`timestamp<TAB>requestId<TAB>LEVEL<TAB>message`) and
 * JSON (`{timestamp, level, requestId, tenantId?, message, …}`). Pure: no
 * I/O, and nothing here throws, whatever it is given.
 *
 * @module
 */

import type { LogFields, LogLevel } from "../core/logger.ts";
import { textLine } from "../core/_text_line.ts";

/**
 * The format of every record, as `AWS_LAMBDA_LOG_FORMAT` names it.
 */
export type LogFormat = "Text" | "JSON";

/**
 * What every record carries besides its message.
 */
export interface LogRecordHead {
  /** ISO 8601 time of the call. */
  timestamp: string;
  /** The record's level. */
  level: LogLevel;
  /** The invocation the record belongs to; `undefined` outside one. */
  requestId: string | undefined;
  /** The invocation's tenant, if any (JSON records only, as in Node's runtime). */
  tenantId: string | undefined;
}

/**
 * Formats console-style arguments into one string, the way `console.log`
 * does: printf-style `%s %d %i %f %j %o %O %c %%` in a leading string, then
 * the rest separated by spaces, objects inspected (cycles shown, not
 * followed). Never throws.
 */
export function formatLogMessage(args: readonly unknown[]): string {
  if (args.length === 0) return "";
  const first = args[0];
  let text: string;
  let next = 1;
  if (typeof first === "string") {
    if (args.length === 1) return first;
    text = "";
    let copied = 0;
    for (let at = first.indexOf("%"); at !== -1 && at < first.length - 1;) {
      const code = first[at + 1];
      let piece: string | undefined;
      if (code === "%") piece = "%";
      else if (next < args.length) {
        piece = _specifier(code, args[next]);
        if (piece !== undefined) next++;
      }
      if (piece === undefined) {
        at = first.indexOf("%", at + 1);
        continue;
      }
      text += first.slice(copied, at) + piece;
      copied = at + 2;
      at = first.indexOf("%", copied);
    }
    text += first.slice(copied);
  } else {
    text = _inspect(first);
  }
  for (; next < args.length; next++) {
    const arg = args[next];
    text += " " + (typeof arg === "string" ? arg : _inspect(arg));
  }
  return text;
}

/**
 * One Text record: `timestamp<TAB>requestId<TAB>LEVEL<TAB>message`, with
 * `fields` appended as JSON and every newline turned into `\r` so that one
 * call stays one CloudWatch record.
 */
export function formatTextRecord(
  head: LogRecordHead,
  args: readonly unknown[],
  fields?: LogFields,
): string {
  let message = formatLogMessage(args);
  if (fields !== undefined) {
    const text = _fieldsText(fields);
    if (text !== "") message += " " + text;
  }
  return textLine(head.timestamp, head.requestId, head.level, message);
}

/**
 * One JSON record. A single argument is kept as structured JSON in
 * `message` (an `Error` becomes `{errorType, errorMessage, stackTrace}`);
 * several are formatted into a string, and the first `Error` among them
 * also gives the record `errorType`, `errorMessage` and `stackTrace`.
 * `fields` are added at the top level. A value JSON cannot hold (a cycle, a
 * BigInt) is written as its inspected text instead.
 */
export function formatJsonRecord(
  head: LogRecordHead,
  args: readonly unknown[],
  fields?: LogFields,
): string {
  const record: Record<string, unknown> = {
    timestamp: head.timestamp,
    level: head.level,
  };
  if (head.requestId !== undefined) record.requestId = head.requestId;
  if (head.tenantId) record.tenantId = head.tenantId;
  if (args.length === 1) {
    record.message = args[0];
  } else {
    record.message = formatLogMessage(args);
    for (const arg of args) {
      if (arg instanceof Error) {
        Object.assign(record, _errorFields(arg));
        break;
      }
    }
  }
  if (fields !== undefined) {
    for (const key of _keys(fields)) {
      if (!Object.hasOwn(record, key)) record[key] = _get(fields, key);
    }
  }
  try {
    return JSON.stringify(record, _jsonReplacer);
  } catch {
    return _jsonFallback(record);
  }
}

/**
 * The JSON shape Lambda's Node runtime gives an `Error`: `errorType` (its
 * constructor's name), `errorMessage`, `stackTrace` (the stack's lines),
 * then its own enumerable properties.
 */
export function errorLogFields(error: Error): Record<string, unknown> {
  try {
    return Object.assign(_errorFields(error), error);
  } catch {
    return _errorFields(error);
  }
}

function _errorFields(error: Error): Record<string, unknown> {
  let errorType = "UnknownError";
  let errorMessage = "";
  let stackTrace: string[] = [];
  try {
    errorType = String(error.constructor?.name ?? "UnknownError");
  } catch {
    // A throwing getter leaves the default.
  }
  try {
    errorMessage = String(error.message);
  } catch {
    // As above.
  }
  try {
    if (typeof error.stack === "string") stackTrace = error.stack.split("\n");
  } catch {
    // As above.
  }
  return { errorType, errorMessage, stackTrace };
}

function _jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? errorLogFields(value) : value;
}

/** Keeps every top-level value JSON can hold, and writes the others as inspected text. */
function _jsonFallback(record: Record<string, unknown>): string {
  const safe: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const value = record[key];
    try {
      JSON.stringify(value, _jsonReplacer);
      safe[key] = value;
    } catch {
      safe[key] = _inspect(value);
    }
  }
  try {
    return JSON.stringify(safe, _jsonReplacer);
  } catch {
    return JSON.stringify({
      timestamp: record.timestamp,
      level: record.level,
      message: "a log record could not be serialised",
    });
  }
}

function _fieldsText(fields: LogFields): string {
  try {
    return JSON.stringify(fields, _jsonReplacer) ?? "";
  } catch {
    return _inspect(fields);
  }
}

function _keys(fields: LogFields): string[] {
  try {
    return Object.keys(fields);
  } catch {
    return [];
  }
}

function _get(fields: LogFields, key: string): unknown {
  try {
    return fields[key];
  } catch (error) {
    return `(unreadable: ${_inspect(error)})`;
  }
}

function _specifier(code: string, arg: unknown): string | undefined {
  switch (code) {
    case "s":
      if (typeof arg === "bigint") return `${arg}n`;
      if (typeof arg === "object" && arg !== null) return _inspect(arg, 1);
      return _string(arg);
    case "d":
    case "i":
      if (typeof arg === "bigint") return `${arg}n`;
      if (typeof arg === "symbol" || typeof arg === "object") return "NaN";
      return code === "d"
        ? String(Number(arg))
        : String(parseInt(_string(arg), 10));
    case "f":
      return typeof arg === "symbol" ? "NaN" : String(parseFloat(_string(arg)));
    case "j":
      try {
        return JSON.stringify(arg) ?? "undefined";
      } catch {
        return "[Circular]";
      }
    case "o":
    case "O":
      return _inspect(arg);
    case "c":
      return "";
    default:
      return undefined;
  }
}

function _string(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return "[unprintable value]";
    }
  }
}

function _inspect(value: unknown, depth = 4): string {
  if (typeof value === "string") return value;
  try {
    return Deno.inspect(value, {
      colors: false,
      depth,
      iterableLimit: 100,
      strAbbreviateSize: 10_000,
    });
  } catch {
    return _string(value);
  }
}
