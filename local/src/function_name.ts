// The names a caller may give a function: its name, a partial ARN or a full ARN, each with an optional qualifier.

const _FULL = /^arn:[^:]+:lambda:[^:]+:\d{12}:function:([^:]+)(?::([^:]+))?$/;
const _PARTIAL = /^\d{12}:function:([^:]+)(?::([^:]+))?$/;
const _PLAIN = /^([^:]+)(?::([^:]+))?$/;

/** The function name and qualifier in what a caller gave; `undefined` when it is none of Lambda's forms. */
export function parseFunctionName(
  given: string,
): { name: string; qualifier: string | undefined } | undefined {
  const match = _FULL.exec(given) ?? _PARTIAL.exec(given) ??
    _PLAIN.exec(given);
  if (match === null) return undefined;
  return { name: match[1], qualifier: match[2] };
}
