// The one Text line format, Lambda's: `timestamp<TAB>requestId or -<TAB>LEVEL<TAB>message`.
import type { LogLevel } from "./_levels.ts";

/** Outside an invocation the Text format still needs a field: Node's runtime writes `-`. */
const _NO_REQUEST = "-";

/** One Text record; every newline becomes `\r`, so one call stays one CloudWatch record. */
export function textLine(
  timestamp: string,
  requestId: string | undefined,
  level: LogLevel,
  message: string,
): string {
  return `${timestamp}\t${requestId ?? _NO_REQUEST}\t${level}\t${message}`
    .replaceAll("\n", "\r");
}
