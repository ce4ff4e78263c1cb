// Little-endian fields of a zip's records, bounds-checked: a record cut short is a damaged zip.
import { InvalidZipError } from "./errors.ts";

/** Throws the error for a damaged zip: "The zip <what>". */
export function corrupt(what: string): never {
  throw new InvalidZipError(`The zip ${what}`);
}

function _within(bytes: Uint8Array, at: number, length: number): void {
  if (at < 0 || at + length > bytes.length) corrupt("ends inside a record");
}

/** The 16-bit field at `at`. */
export function u16(bytes: Uint8Array, at: number): number {
  _within(bytes, at, 2);
  return bytes[at] | bytes[at + 1] << 8;
}

/** The 32-bit field at `at`. */
export function u32(bytes: Uint8Array, at: number): number {
  _within(bytes, at, 4);
  return (bytes[at] | bytes[at + 1] << 8 | bytes[at + 2] << 16 |
    bytes[at + 3] << 24) >>> 0;
}

/** The 64-bit field at `at`; refused past what a number holds exactly. */
export function u64(bytes: Uint8Array, at: number): number {
  const value = u32(bytes, at) + u32(bytes, at + 4) * 2 ** 32;
  if (!Number.isSafeInteger(value)) corrupt("has a field past 2^53");
  return value;
}
