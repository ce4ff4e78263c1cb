// The one level table: the levels, their ranks, and parsing a level name.
/**
 * Levels, least to most severe, as `AWS_LAMBDA_LOG_LEVEL` names them.
 */
export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL";

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
