// The durable handler (tests/fixtures/durable) from its .ts entry under the emulator, with the default grant:
// the SDK's import reads DURABLE_VERBOSE_MODE and DURABLE_EXECUTION_PLUGINS, outside the grant, as unset
// (it used to fail with NotCapable), and reads them when the function's permissions list them.
import assert from "node:assert/strict";
import { emulate, fixture } from "./_emulator.ts";
import { permissionFlags } from "../scripts/build.ts";
import { checkpointApi, durableInput } from "./fixtures/durable/protocol.ts";

const entry = fixture("fixtures/durable/main.ts");

async function runOnce(allow: string[]) {
  await using api = checkpointApi();
  await using emulator = await emulate(entry, {
    permissions: permissionFlags(["--allow-net=127.0.0.1", ...allow]),
    env: {
      AWS_ENDPOINT_URL_LAMBDA: api.url,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      DURABLE_VERBOSE_MODE: "true",
    },
    timeout: 30,
    initTimeout: 30,
  });
  const { functionError, body } = await emulator.call(durableInput({ n: 4 }));
  const log = emulator.lines.map(({ line }) => line).join("\n");
  assert.equal(functionError, null, `${JSON.stringify(body)}\n${log}`);
  assert.deepEqual(body, {
    Status: "SUCCEEDED",
    Result: JSON.stringify({ doubled: 8 }),
  });
  assert.equal(api.checkpoints.length, 1);
  return log;
}

Deno.test("the SDK's variables outside the default grant read as unset: it loads, runs and stays quiet", async () => {
  const log = await runOnce([]);
  assert.doesNotMatch(log, /Initializing durable function/);
});

Deno.test("DURABLE_VERBOSE_MODE listed in the function's permissions turns the SDK's verbose log on", async () => {
  const log = await runOnce(["--allow-env=DURABLE_VERBOSE_MODE"]);
  assert.match(log, /Initializing durable function/);
});
