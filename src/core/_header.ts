// One rule for header values: visible ASCII only, anything else would make fetch (or a server) refuse them.

/** Every character a header value must not carry. */
export const NOT_HEADER_SAFE: RegExp = /[^\x20-\x7e]/g;

/**
 * An error type as the header (or trailer) value that carries it: every
 * character outside visible ASCII replaced by `_`, trimmed, at most 256
 * characters, `Error` when nothing is left.
 */
export function errorTypeHeaderValue(errorType: string): string {
  return errorType.replace(NOT_HEADER_SAFE, "_").trim().slice(0, 256) ||
    "Error";
}
