// The AWS SDK v3 example against local S3 (s3rver) and DynamoDB (dynalite), under the emulator with the
// permissions a build bakes in. Built and run from a read-only folder: tests/measure/aws_sdk_artifact_test.ts.
import assert from "node:assert/strict";
import { emulate, type TestEmulator } from "./_emulator.ts";
import { findDeclaration, permissionFlags } from "../scripts/build.ts";
import { spawnLocalServers } from "../examples/aws_sdk/spawn_local_servers.ts";

const entry = new URL("../examples/aws_sdk/main.ts", import.meta.url).pathname;

/** Everything the function and the platform wrote, as one text. */
function text(emulator: TestEmulator): string {
  return emulator.lines.map(({ line }) => line).join("\n");
}

Deno.test("AWS SDK example", async (t) => {
  await using servers = await spawnLocalServers();
  const declaration = (await findDeclaration(entry))?.declaration;

  await t.step(
    "under the emulator with its deployed permissions it puts and gets an object and an item",
    async () => {
      await using emulator = await emulate(entry, {
        permissions: permissionFlags([], { declaration }),
        env: servers.env,
        timeout: 30,
      });
      const { body } = await emulator.call({ n: 1 });
      assert.equal(body.object, '{"n":1}', text(emulator));
      assert.equal(body.item, '{"n":1}');
    },
  );

  await t.step(
    "without its env grant BUCKET and TABLE read as unset: it answers with its default names, no crash",
    async () => {
      // Only the local servers' address is granted (a function reaches no loopback port but its Runtime API by default).
      await using emulator = await emulate(entry, {
        permissions: permissionFlags(["--allow-net=127.0.0.1"]),
        env: servers.env,
        timeout: 30,
      });
      const { functionError, body } = await emulator.call({ n: 2 });
      assert.equal(functionError, null, text(emulator));
      assert.equal(body.object, '{"n":2}');
    },
  );
});
