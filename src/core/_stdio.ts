// The one synchronous stdio writer: nothing may be lost when Lambda freezes the sandbox.
import type { LogLevel } from "./_levels.ts";
import { LEVEL_RANK } from "./_levels.ts";

const _encoder = new TextEncoder();

/**
 * Writes `record` and a newline, in full, synchronously: TRACE, DEBUG and
 * INFO on stdout, WARN and above on stderr (the split Deno's `console`
 * makes). Never throws.
 */
export function writeRecord(record: string, level: LogLevel): void {
  const stream = LEVEL_RANK[level] >= LEVEL_RANK.WARN
    ? Deno.stderr
    : Deno.stdout;
  try {
    let bytes = _encoder.encode(record + "\n");
    while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
  } catch {
    // The stream is gone: there is nowhere left to report it.
  }
}
