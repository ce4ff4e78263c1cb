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
import type {
  EnvironmentSource,
  LambdaEnvironment,
} from "../core/environment.ts";
import {
  formatJsonRecord,
  formatLogMessage,
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
  /** The environment, already read: its `logFormat` and `logLevel` configure the default logger. */
  environment?: LambdaEnvironment;
  /** Where `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL` are read when `environment` is absent; `Deno.env` by default. */
  env?: EnvironmentSource;
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
 * runtimes do: `AWS_LAMBDA_LOG_FORMAT` chooses Text or JSON, and
 * `AWS_LAMBDA_LOG_LEVEL` filters records in JSON format (Lambda only
 * accepts a level with JSON).
 */
export function installLogging(
  options: LoggingOptions = {},
): LoggingInstallation {
  const chosen = options.logger ??
    _loggerFromSettings(options.environment, options.env);
  const restoreConsole = patchConsole(chosen);
  const previous = _installed;
  _installed = chosen;
  const own = options.scope;
  const scope: InvocationScope = own === undefined
    ? logScope
    : (context, invoke) => logScope(context, () => own(context, invoke));
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

type _ConsoleMethod = "log" | "info" | "debug" | "trace" | "warn" | "error";

const _CONSOLE_LEVELS: ReadonlyArray<readonly [_ConsoleMethod, LogLevel]> = [
  ["log", "INFO"],
  ["info", "INFO"],
  ["debug", "DEBUG"],
  ["trace", "TRACE"],
  ["warn", "WARN"],
  ["error", "ERROR"],
];

/**
 * Routes `console.log`/`info` (INFO), `debug`, `trace`, `warn` and `error`
 * through `logger` until disposed. A {@linkcode LambdaLogger} gets the
 * arguments as they are (structured in JSON); any other {@linkcode Logger}
 * gets them formatted into its message. Disabled levels become no-ops, as
 * in Node's runtime.
 */
export function patchConsole(logger: Logger): Disposable {
  const target = globalThis.console as unknown as Record<string, unknown>;
  const originals = new Map<_ConsoleMethod, unknown>();
  const installed = new Map<_ConsoleMethod, unknown>();
  const structured = _isLambdaLogger(logger) ? logger : undefined;
  let writing = false;
  for (const [method, level] of _CONSOLE_LEVELS) {
    const original = target[method];
    originals.set(method, original);
    let replacement: (...args: unknown[]) => void;
    if (structured !== undefined && !structured.isEnabled(level)) {
      replacement = _noop;
    } else {
      const plain = _byLevel(logger, level);
      const write = structured !== undefined
        ? (args: unknown[]) => structured.log(level, ...args)
        : (args: unknown[]) => plain(formatLogMessage(args));
      replacement = (...args: unknown[]) => {
        // A logger that itself calls console must not loop.
        if (writing) {
          if (typeof original === "function") original.apply(console, args);
          return;
        }
        writing = true;
        try {
          write(args);
        } catch {
          // Logging must never break the function.
        } finally {
          writing = false;
        }
      };
    }
    installed.set(method, replacement);
    target[method] = replacement;
  }
  return {
    [Symbol.dispose]() {
      for (const [method, original] of originals) {
        // Only undo what is still ours: a later patch stays in place.
        if (target[method] === installed.get(method)) target[method] = original;
      }
      originals.clear();
    },
  };
}

let _installed: Logger | undefined;
let _fromEnvironment: Logger | undefined;

function _current(): Logger {
  return _installed ?? (_fromEnvironment ??= _loggerFromSettings());
}

/**
 * The logger to call from a handler: `logger.info("order placed", {
 * orderId })`. It is the one {@linkcode run} installed (the Lambda logger,
 * or the `RunOptions.logger` you passed); before that, a Lambda logger
 * configured from the environment.
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
  environment?: LambdaEnvironment,
  env: EnvironmentSource = Deno.env,
): LambdaLogger {
  const format = environment?.logFormat ??
    (_read(env, "AWS_LAMBDA_LOG_FORMAT")?.toUpperCase() === "JSON"
      ? "JSON"
      : "Text");
  const level = environment?.logLevel ?? _read(env, "AWS_LAMBDA_LOG_LEVEL");
  // Lambda accepts an application log level only with the JSON format.
  return createLambdaLogger({
    format,
    level: format === "JSON" ? level : undefined,
    // Deno's console exports OTel logs; the default sink writes past it.
    ...(environment?.otel !== undefined && { sink: consoleSink() }),
  });
}

function _read(source: EnvironmentSource, key: string): string | undefined {
  try {
    if (typeof source.get === "function") {
      return (source as { get(key: string): string | undefined }).get(key);
    }
    const record = source as Readonly<Record<string, string | undefined>>;
    return Object.hasOwn(record, key) ? record[key] : undefined;
  } catch {
    // Without --allow-env for the variable: treat it as unset.
    return undefined;
  }
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

function _isLambdaLogger(value: Logger): value is LambdaLogger {
  const candidate = value as Partial<LambdaLogger>;
  return typeof candidate.log === "function" &&
    typeof candidate.isEnabled === "function";
}

function _byLevel(
  target: Logger,
  level: LogLevel,
): (message: string) => void {
  switch (level) {
    case "TRACE":
      return (message) => target.trace(message);
    case "DEBUG":
      return (message) => target.debug(message);
    case "INFO":
      return (message) => target.info(message);
    case "WARN":
      return (message) => target.warn(message);
    case "ERROR":
      return (message) => target.error(message);
    case "FATAL":
      return (message) => target.fatal(message);
  }
}

function _noop(): void {}

/** The layer `run()` lists: each handler call's records are attributed to its invocation. */
export const logAttributionLayer: Layer = {
  name: "log attribution",
  scope: logScope,
};
