/**
 * The logger seam: how the runtime reports its own events (init failure,
 * invocation errors, Runtime API trouble).
 *
 * @module
 */

/**
 * Levels, least to most severe, as `AWS_LAMBDA_LOG_LEVEL` names them.
 */
export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL";

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

const _encoder = new TextEncoder();

/**
 * The default logger: one line per message on stderr, written synchronously
 * so nothing is lost when Lambda freezes the sandbox.
 */
export const stderrLogger: Logger = {
  trace: (message, fields) => _write("TRACE", message, fields),
  debug: (message, fields) => _write("DEBUG", message, fields),
  info: (message, fields) => _write("INFO", message, fields),
  warn: (message, fields) => _write("WARN", message, fields),
  error: (message, fields) => _write("ERROR", message, fields),
  fatal: (message, fields) => _write("FATAL", message, fields),
};

function _write(level: LogLevel, message: string, fields?: LogFields): void {
  let line = `${new Date().toISOString()}\t${level}\t${message}`;
  if (fields !== undefined) {
    try {
      line += " " + JSON.stringify(fields);
    } catch {
      line += " " + Deno.inspect(fields, { depth: 3 });
    }
  }
  // One CloudWatch record per call: inner newlines become carriage returns.
  line = line.replaceAll("\n", "\r") + "\n";
  try {
    let bytes = _encoder.encode(line);
    while (bytes.length > 0) {
      bytes = bytes.subarray(Deno.stderr.writeSync(bytes));
    }
  } catch {
    // stderr gone: nothing else to report to.
  }
}
