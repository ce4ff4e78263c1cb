// A deployed function's code is read-only to it, as Lambda's /var/task is: the control plane runs each
// deployment from its own folder made read-only for the function's process tree (or a read-only copy).
import assert from "node:assert/strict";
import { InvokeCommand } from "npm:@aws-sdk/client-lambda@3.1164.0";
import { createZip } from "../scripts/zip.ts";
import {
  createActive,
  lambdaClient,
  startControlPlane,
} from "./_control_plane.ts";

// Answers each event with whether it could create a file in its task root, and whether /tmp is writable.
const BOOTSTRAP = `#!/bin/sh
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
headers="$(mktemp)"
while :; do
  curl -sS -D "$headers" "$api/next" > /dev/null || exit 1
  id="$(tr -d '\\r' < "$headers" | grep -i '^lambda-runtime-aws-request-id:' | cut -d' ' -f2)"
  if (echo x > "$LAMBDA_TASK_ROOT/written") 2>/dev/null; then root=yes; else root=no; fi
  if (echo x > /tmp/written) 2>/dev/null; then tmp=yes; else tmp=no; fi
  printf '{"taskRootWritable":"%s","tmpWritable":"%s","cwd":"%s","root":"%s"}' "$root" "$tmp" "$PWD" "$LAMBDA_TASK_ROOT" |
    curl -sS -X POST --data-binary @- "$api/$id/response" > /dev/null
done
`;

Deno.test("a deployed function cannot write its own code, and can write /tmp", async () => {
  // Root is not stopped by a file's mode: what is asserted here is the read-only mount, which takes root.
  await using plane = await startControlPlane();
  const lambda = lambdaClient(plane.url);
  const zip = createZip([{
    name: "bootstrap",
    data: new TextEncoder().encode(BOOTSTRAP),
    executable: true,
  }]);
  await createActive(lambda, "read-only-root", zip);
  const result = await lambda.send(
    new InvokeCommand({ FunctionName: "read-only-root", Payload: "{}" }),
  );
  assert.equal(result.FunctionError, undefined);
  const answer = JSON.parse(new TextDecoder().decode(result.Payload));
  assert.equal(answer.cwd, answer.root, "it runs in its task root");
  assert.equal(answer.taskRootWritable, "no");
  assert.equal(answer.tmpWritable, "yes");
});
