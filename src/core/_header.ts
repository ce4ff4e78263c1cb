// One rule for header values: visible ASCII only, anything else would make fetch (or a server) refuse them.

/** Every character a header value must not carry. */
export const NOT_HEADER_SAFE: RegExp = /[^\x20-\x7e]/g;

/** `text` with every character outside visible ASCII replaced by `replacement`. */
export function headerSafe(text: string, replacement = "_"): string {
  return text.replace(NOT_HEADER_SAFE, replacement);
}
