/**
 * The logger seam: how the runtime reports its own events (init failure,
 * invocation errors, Runtime API trouble).
 *
 * @module
 */

import type { LogLevel } from "./_levels.ts";
import { writeRecord } from "./_stdio.ts";
import { textLine } from "./_text_line.ts";

export type { LogLevel } from "./_levels.ts";

/**
 * Structured fields that go with a log message.
 */
export type LogFields = Record<string, unknown>;

/**
 * What the runtime logs through. Replace it in `RunOptions.logger`.
 */
export interface Logger {
  /** Logs at TRACE. */
  trace(message: string, fields?: Record<string, unknown>): void;
  /** Logs at DEBUG. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Logs at INFO. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Logs at WARN. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Logs at ERROR. */
  error(message: string, fields?: Record<string, unknown>): void;
  /** Logs at FATAL. */
  fatal(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The default logger when none is given to `runLoop`: Lambda's Text line
 * (`timestamp<TAB>requestId or -<TAB>LEVEL<TAB>message`, fields as JSON
 * after the message), written synchronously, WARN and above on stderr.
 */
export const stderrLogger: Logger = {
  trace: (message, fields) => _write("TRACE", message, fields),
  debug: (message, fields) => _write("DEBUG", message, fields),
  info: (message, fields) => _write("INFO", message, fields),
  warn: (message, fields) => _write("WARN", message, fields),
  error: (message, fields) => _write("ERROR", message, fields),
  fatal: (message, fields) => _write("FATAL", message, fields),
};

function _write(
  level: LogLevel,
  message: string,
  fields?: Record<string, unknown>,
): void {
  // The loop names the invocation in its fields: it goes in the line's request id column.
  const requestId = typeof fields?.requestId === "string"
    ? fields.requestId
    : undefined;
  let rest: Record<string, unknown> | undefined = fields;
  if (requestId !== undefined) {
    const { requestId: _id, ...others } = fields!;
    rest = Object.keys(others).length === 0 ? undefined : others;
  }
  if (rest !== undefined) {
    try {
      message += " " + JSON.stringify(rest);
    } catch {
      message += " " + Deno.inspect(rest, { depth: 3 });
    }
  }
  writeRecord(
    textLine(new Date().toISOString(), requestId, level, message),
    level,
  );
}
