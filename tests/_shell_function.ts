// A function made of a few lines of shell: a deploy test about the Lambda API needs no build. Its bootstrap
// answers each event with its code's tag, the event and the variables it runs with.
import { createZip } from "../scripts/zip.ts";

/** The variables the shell function reports beside each event. */
export const REPORTED_VARIABLES = [
  "AWS_REGION",
  "_HANDLER",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "GREETING",
  "COUNT",
] as const;

const _fields = REPORTED_VARIABLES.map((name) => `"${name}":"%s"`).join(",");
const _values = REPORTED_VARIABLES.map((name) => `"$${name}"`).join(" ");

/** The bootstrap: polls the Runtime API with curl, answers `{"tag":…,"event":…,"env":{…}}`; an event that is a URL it fetches first. */
export const SHELL_BOOTSTRAP = `#!/bin/sh
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
headers="$(mktemp)"
tag="$(cat "$LAMBDA_TASK_ROOT/tag.txt")"
while :; do
  event="$(curl -sS -D "$headers" "$api/next")" || exit 1
  id="$(tr -d '\\r' < "$headers" | grep -i '^lambda-runtime-aws-request-id:' | cut -d' ' -f2)"
  # An event that is a URL (a JSON string) is fetched first: the test holds the answer until it says.
  case "$event" in '"http://'*) curl -sS "$(printf %s "$event" | tr -d '"')" > /dev/null ;; esac
  printf '{"tag":"%s","event":%s,"env":{${_fields}}}' "$tag" "$event" ${_values} |
    curl -sS -X POST --data-binary @- "$api/$id/response" > /dev/null
done
`;

/** The shell function's zip; `tag` (plain text) lands in a file beside it and in each answer, so that each tag is other code. */
export function shellZip(tag = ""): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  return createZip([
    {
      name: "bootstrap",
      data: encoder.encode(SHELL_BOOTSTRAP),
      executable: true,
    },
    { name: "tag.txt", data: encoder.encode(tag) },
  ]) as Uint8Array<ArrayBuffer>;
}
