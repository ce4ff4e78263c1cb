/**
 * The invoke command a deploy prints, in a form both AWS CLI v1 and v2
 * take: the event from a file by `fileb://` (v2 reads an inline `--payload`
 * as base64, and v1 knows no `--cli-binary-format`).
 *
 * @module
 */

/** An event every example answers (the echo refuses an empty one). */
export const SAMPLE_EVENT = '{"hello":"world"}';

/**
 * The shell line that invokes `name` (at `endpointUrl` when given) with
 * {@linkcode SAMPLE_EVENT} and prints its answer.
 *
 * @example
 * ```ts
 * import { invokeCommand } from "./invoke_hint.ts";
 * import assert from "node:assert/strict";
 *
 * const line = invokeCommand("echo");
 * assert.match(line, /--payload fileb:\/\/event\.json out\.json/);
 * assert.doesNotMatch(line, /cli-binary-format/);
 * ```
 */
export function invokeCommand(name: string, endpointUrl?: string): string {
  const endpoint = endpointUrl === undefined
    ? ""
    : ` --endpoint-url ${endpointUrl}`;
  return `echo '${SAMPLE_EVENT}' > event.json && ` +
    `aws lambda invoke --function-name ${name}${endpoint} ` +
    `--payload fileb://event.json out.json && cat out.json`;
}
