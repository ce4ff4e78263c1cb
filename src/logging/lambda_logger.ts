/**
 * Logs the way Lambda's managed runtimes write them: the Lambda logger
 * (Text or JSON, `AWS_LAMBDA_LOG_LEVEL` filtering), per-invocation
 * attribution through `AsyncLocalStorage`, and `console` routed through it.
 * Builds on the core: the loop only offers the `scope` and `logger` hooks,
 * and {@linkcode run} installs this by default.
 *
 * @module
 */

import type { Context } from "../core/context.ts";
import type { LambdaEnvironment } from "../core/environment.ts";
import {
  formatJsonRecord,
  formatTextRecord,
  type LogFormat,
  type LogRecordHead,
} from "./_format.ts";
import type { LogFields, Logger, LogLevel } from "../core/logger.ts";
import type { Layer } from "../core/layer.ts";
import type { InvocationScope } from "../core/types.ts";
import { LEVEL_RANK, parseLevel } from "../core/_levels.ts";
import { writeRecord } from "../core/_stdio.ts";
import { consoleSink } from "./_console_sink.ts";
import { patchConsole } from "./_console.ts";
import {
  asyncSlot,
  type InvocationSlot,
  sequentialSlot,
} from "../_invocation_slot.ts";

/**
 * Who a record belongs to: the invocation running in the current async
 * context.
 */
export interface LogAttribution {
  /** The invocation's request id. */
  readonly requestId: string;
  /** The invocation's tenant id, if any. */
  readonly tenantId?: string | undefined;
}

/**
 * Where finished records go: one call per record, without the trailing
 * newline. Must write synchronously for nothing to be lost when Lambda
 * freezes the sandbox.
 */
export type LogSink = (record: string, level: LogLevel) => void;

/**
 * Options for {@linkcode createLambdaLogger}.
 */
export interface LambdaLoggerOptions {
  /** `Text` (the default) or `JSON`. */
  format?: LogFormat;
  /** The least severe level written; every level when absent or unknown. Case does not matter. */
  level?: LogLevel | string;
  /** Where records go; {@linkcode writeToStdio} when absent. */
  sink?: LogSink;
}

/**
 * The Lambda logger: a {@linkcode Logger} (message plus structured fields)
 * that also takes `console`-style arguments, and attributes each record to
 * the invocation running in the current async context.
 */
export interface LambdaLogger extends Logger {
  /** The format of every record. */
  readonly format: LogFormat;
  /** The least severe level written. */
  readonly level: LogLevel;
  /** Whether a record at `level` would be written. */
  isEnabled(level: LogLevel): boolean;
  /** Writes `console`-style arguments (printf-style, objects inspected) at `level`. */
  log(level: LogLevel, ...args: unknown[]): void;
}

export { patchConsole };

let _attribution: InvocationSlot<LogAttribution> = sequentialSlot();
let _async = false;

/**
 * Switches attribution to `AsyncLocalStorage`, loaded now: needed when
 * invocations overlap (`AWS_LAMBDA_MAX_CONCURRENCY` > 1). `run()` calls it
 * then; once on, it stays on.
 */
export async function useAsyncAttribution(): Promise<void> {
  if (_async) return;
  _async = true;
  _attribution = await asyncSlot<LogAttribution>();
}

/**
 * The invocation the calling code runs for, or `undefined` outside one.
 * Read from the async context, so it stays right when several invocations
 * run at once. Useful to a custom {@linkcode Logger}.
 */
export function logAttribution(): LogAttribution | undefined {
  return _attribution.getStore();
}

/**
 * Runs `fn` with every record it logs, however deep in its async calls,
 * attributed to `attribution`.
 */
export function withLogAttribution<T>(
  attribution: LogAttribution,
  fn: () => T,
): T {
  return _attribution.run(attribution, fn);
}

/**
 * The {@linkcode InvocationScope} that attributes an invocation's records
 * to its request id (and tenant id). {@linkcode run} installs it; pass it
 * as `RunOptions.scope` to {@linkcode runLoop} to get the same.
 */
export function logScope(
  context: Context,
  invoke: () => Promise<unknown>,
): Promise<unknown> {
  return _attribution.run(
    { requestId: context.awsRequestId, tenantId: context.tenantId },
    invoke,
  );
}

/**
 * The default {@linkcode LogSink}: TRACE, DEBUG and INFO records on stdout,
 * WARN, ERROR and FATAL on stderr (the split Deno's `console` makes; on
 * Lambda both reach CloudWatch), each written synchronously in full.
 */
export function writeToStdio(record: string, level: LogLevel): void {
  writeRecord(record, level);
}

/**
 * Creates a {@linkcode LambdaLogger}. Records are attributed to the
 * invocation of the current async context (see {@linkcode logScope}); a
 * `requestId` or `tenantId` string in `fields` takes precedence. Logging
 * never throws: not for a circular or huge value, a throwing getter, or a
 * sink that fails.
 */
export function createLambdaLogger(
  options: LambdaLoggerOptions = {},
): LambdaLogger {
  const format: LogFormat = options.format === "JSON" ? "JSON" : "Text";
  const level = parseLevel(options.level) ?? "TRACE";
  const least = LEVEL_RANK[level];
  const sink = options.sink ?? writeToStdio;
  const formatRecord = format === "JSON" ? formatJsonRecord : formatTextRecord;

  function emit(
    recordLevel: LogLevel,
    args: readonly unknown[],
    fields: LogFields | undefined,
  ): void {
    if (LEVEL_RANK[recordLevel] < least) return;
    try {
      const attribution = _attribution.getStore();
      const head: LogRecordHead = {
        timestamp: new Date().toISOString(),
        level: recordLevel,
        requestId: attribution?.requestId,
        tenantId: attribution?.tenantId,
      };
      const rest = _claim(head, fields);
      sink(formatRecord(head, args, rest), recordLevel);
    } catch {
      // Logging must never break the function.
    }
  }

  return {
    format,
    level,
    isEnabled: (recordLevel) => LEVEL_RANK[recordLevel] >= least,
    log: (recordLevel, ...args) => emit(recordLevel, args, undefined),
    trace: (message, fields) => emit("TRACE", [message], fields),
    debug: (message, fields) => emit("DEBUG", [message], fields),
    info: (message, fields) => emit("INFO", [message], fields),
    warn: (message, fields) => emit("WARN", [message], fields),
    error: (message, fields) => emit("ERROR", [message], fields),
    fatal: (message, fields) => emit("FATAL", [message], fields),
  };
}

/**
 * Settings for {@linkcode installLogging}; {@linkcode RunOptions} has all
 * of them.
 */
export interface LoggingOptions {
  /** The logger to route everything through; a Lambda logger configured from the environment when absent. */
  logger?: Logger;
  /** The configuration, read once: its `logFormat` and `logLevel` configure the default logger; Text at every level when absent. */
  environment?: Pick<LambdaEnvironment, "logFormat" | "logLevel" | "otel">;
  /** A scope of your own, run inside the attribution scope. */
  scope?: InvocationScope;
}

/**
 * What {@linkcode installLogging} set up; disposing it puts `console` and
 * the default {@linkcode logger} back as they were.
 */
export interface LoggingInstallation extends Disposable {
  /** The logger in use: the one given, or the Lambda logger made from the environment. */
  readonly logger: Logger;
  /** The invocation scope that attributes records (and runs the given scope). */
  readonly scope: InvocationScope;
}

/**
 * Sets up Lambda logging for the process: routes `console.log`, `info`,
 * `debug`, `trace`, `warn` and `error` through the logger, makes it the one
 * behind the exported {@linkcode logger}, and returns the scope that
 * attributes records to invocations. {@linkcode run} calls it; a runtime of
 * your own built on {@linkcode runLoop} can too.
 *
 * The default logger follows the advanced logging controls as the managed
 * runtimes do, from the configuration `run()` read: `AWS_LAMBDA_LOG_FORMAT`
 * chooses Text or JSON, and `AWS_LAMBDA_LOG_LEVEL` filters records in JSON
 * format (Lambda only accepts a level with JSON).
 */
export function installLogging(
  options: LoggingOptions = {},
): LoggingInstallation {
  const own = options.scope;
  const scope: InvocationScope = own === undefined
    ? logScope
    : (context, invoke) => logScope(context, () => own(context, invoke));
  const chosen = options.logger ?? _loggerFromSettings(options.environment);
  const restoreConsole = patchConsole(chosen);
  const previous = _installed;
  _installed = chosen;
  let disposed = false;
  return {
    logger: chosen,
    scope,
    [Symbol.dispose]() {
      if (disposed) return;
      disposed = true;
      restoreConsole[Symbol.dispose]();
      if (_installed === chosen) _installed = previous;
    },
  };
}

let _installed: Logger | undefined;
let _beforeRun: Logger | undefined;

// Before run() there is no configuration yet: Text at every level, and no environment read here.
function _current(): Logger {
  return _installed ?? (_beforeRun ??= createLambdaLogger());
}

/**
 * The logger to call from a handler: `logger.info("order placed", {
 * orderId })`. It is the one {@linkcode run} installed (the Lambda logger,
 * or the `RunOptions.logger` you passed, configured from the environment
 * `run()` read once); before that, a Lambda logger writing Text at every
 * level.
 *
 * @example
 * ```ts
 * import { logger } from "@rtl/lambda";
 *
 * logger.info("order placed", { orderId: 42 });
 * ```
 */
export const logger: Logger = {
  trace: (message, fields) => _current().trace(message, fields),
  debug: (message, fields) => _current().debug(message, fields),
  info: (message, fields) => _current().info(message, fields),
  warn: (message, fields) => _current().warn(message, fields),
  error: (message, fields) => _current().error(message, fields),
  fatal: (message, fields) => _current().fatal(message, fields),
};

function _loggerFromSettings(
  environment: LoggingOptions["environment"],
): LambdaLogger {
  const format = environment?.logFormat ?? "Text";
  // Lambda accepts an application log level only with the JSON format.
  return createLambdaLogger({
    format,
    level: format === "JSON" ? environment?.logLevel : undefined,
    // Deno's console exports OTel logs; the default sink writes past it.
    ...(environment?.otel !== undefined && { sink: consoleSink() }),
  });
}

/** Fields may name the invocation themselves (the loop does, outside the scope). */
function _claim(
  head: LogRecordHead,
  fields: LogFields | undefined,
): LogFields | undefined {
  if (fields === undefined) return undefined;
  let requestId: unknown;
  let tenantId: unknown;
  try {
    requestId = fields.requestId;
    tenantId = fields.tenantId;
  } catch {
    return fields;
  }
  if (typeof requestId !== "string" && typeof tenantId !== "string") {
    return fields;
  }
  if (typeof requestId === "string") head.requestId = requestId;
  if (typeof tenantId === "string") head.tenantId = tenantId;
  const rest: LogFields = {};
  try {
    for (const key of Object.keys(fields)) {
      if (key !== "requestId" && key !== "tenantId") rest[key] = fields[key];
    }
  } catch {
    return fields;
  }
  return Object.keys(rest).length === 0 ? undefined : rest;
}

/** The layer `run()` lists: each handler call's records are attributed to its invocation. */
export const logAttributionLayer: Layer = {
  name: "log attribution",
  scope: logScope,
};
