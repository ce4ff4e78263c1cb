// With Deno's OpenTelemetry on, records go out through Deno's own console, which also exports each as an OTel log carrying the active span's ids.
import type { LogLevel } from "../core/logger.ts";

type _Print = (record: string) => void;

/**
 * A sink over the `console` methods as they are now (before `run()` routes
 * `console` through the logger): the same lines on the same streams as the
 * default sink, one argument each (no `%` substitution).
 */
export function consoleSink(): (record: string, level: LogLevel) => void {
  const target = globalThis.console;
  const debug: _Print = target.debug.bind(target);
  const info: _Print = target.log.bind(target);
  const warn: _Print = target.warn.bind(target);
  const error: _Print = target.error.bind(target);
  const byLevel: Readonly<Record<LogLevel, _Print>> = {
    TRACE: debug,
    DEBUG: debug,
    INFO: info,
    WARN: warn,
    ERROR: error,
    FATAL: error,
  };
  return (record, level) => byLevel[level](record);
}
