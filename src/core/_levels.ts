// The one level table: ranks, parsing, and which stdio stream a level goes to.
import type { LogLevel } from "./logger.ts";

/** Each level's rank, least severe first. */
export const LEVEL_RANK: Readonly<Record<LogLevel, number>> = {
  TRACE: 1,
  DEBUG: 2,
  INFO: 3,
  WARN: 4,
  ERROR: 5,
  FATAL: 6,
};

/** `level` as a {@linkcode LogLevel}, any case; `undefined` when it is none. */
export function parseLevel(level: string | undefined): LogLevel | undefined {
  const upper = level?.toUpperCase();
  return upper !== undefined && Object.hasOwn(LEVEL_RANK, upper)
    ? upper as LogLevel
    : undefined;
}
