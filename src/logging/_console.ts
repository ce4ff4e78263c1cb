// `console` routed through a logger: the install `run()` makes once, undone when disposed.
import type { Logger, LogLevel } from "../core/logger.ts";
import { formatLogMessage } from "./_format.ts";

/** What a Lambda logger adds to a {@linkcode Logger}: console-style arguments, per level. */
interface _LevelledLogger extends Logger {
  isEnabled(level: LogLevel): boolean;
  log(level: LogLevel, ...args: unknown[]): void;
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
 * through `logger` until disposed. A Lambda logger gets the
 * arguments as they are (structured in JSON); any other {@linkcode Logger}
 * gets them formatted into its message. Disabled levels become no-ops, as
 * in Node's runtime.
 */
export function patchConsole(logger: Logger): Disposable {
  const target = globalThis.console as unknown as Record<string, unknown>;
  const originals = new Map<_ConsoleMethod, unknown>();
  const installed = new Map<_ConsoleMethod, unknown>();
  const structured = _isLevelled(logger) ? logger : undefined;
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

function _isLevelled(value: Logger): value is _LevelledLogger {
  const candidate = value as Partial<_LevelledLogger>;
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
