// The durable handler (tests/fixtures/durable) from its .ts entry under the emulator, with the default grant:
// the SDK's import reads DURABLE_VERBOSE_MODE and DURABLE_EXECUTION_PLUGINS, outside the grant, as unset
// (it used to fail with NotCapable), and reads them when the function's permissions list them. And
// docs/durable.md's snippet runs as written.
import assert from "node:assert/strict";
import { emulate, fixture } from "./_emulator.ts";
import { permissionFlags } from "../scripts/build.ts";
import { expandGrants } from "../local/sandbox.ts";
import { checkpointApi, durableInput } from "./fixtures/durable/protocol.ts";
import { importMap, snippets } from "./_doc_snippets.ts";

const entry = fixture("fixtures/durable/main.ts");

/** Starts `file` under the emulator with the default grant (plus loopback and `allow`) and a checkpoint API. */
async function durableEmulator(
  file: string,
  allow: string[],
  denoFlags: string[] = [],
) {
  const api = checkpointApi();
  const emulator = await emulate(file, {
    permissions: permissionFlags(["--allow-net=127.0.0.1", ...allow]),
    denoFlags,
    env: {
      AWS_ENDPOINT_URL_LAMBDA: api.url,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      DURABLE_VERBOSE_MODE: "true",
    },
    timeout: 30,
    initTimeout: 30,
  });
  return {
    api,
    emulator,
    async [Symbol.asyncDispose]() {
      await emulator[Symbol.asyncDispose]();
      await api[Symbol.asyncDispose]();
    },
  };
}

async function runOnce(allow: string[]) {
  await using running = await durableEmulator(entry, allow);
  const { api, emulator } = running;
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

Deno.test("docs/durable.md's TypeScript snippet runs as written: its step checkpointed, its wait PENDING", async () => {
  const [code, ...more] = snippets(
    await Deno.readTextFile(new URL("../docs/durable.md", import.meta.url)),
  );
  assert.equal(more.length, 0);
  const dir = await Deno.makeTempDir({ prefix: "rtl_docs_durable_" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ imports: importMap() }),
    );
    await Deno.writeTextFile(`${dir}/main.ts`, code);
    await using running = await durableEmulator(`${dir}/main.ts`, [], [
      "--config",
      `${dir}/deno.json`,
    ]);
    const { api, emulator } = running;
    const { functionError, body } = await emulator.call(
      durableInput({ orderId: 7 }),
    );
    const log = emulator.lines.map(({ line }) => line).join("\n");
    assert.equal(functionError, null, `${JSON.stringify(body)}\n${log}`);
    assert.deepEqual(body, { Status: "PENDING" });
    const updates = api.checkpoints.flatMap((c) => c.body.Updates);
    assert.deepEqual(updates.map((u) => `${u.Type} ${u.Action}`), [
      "STEP START",
      "STEP SUCCEED",
      "WAIT START",
    ]);
    assert.equal(updates[1].Payload, JSON.stringify("stock for order 7"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the default grant lets a built function reach Lambda's endpoint in any region, and not other hosts", async () => {
  const flags = expandGrants(permissionFlags(), {
    AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
  });
  const hosts = [
    "lambda.us-east-1.amazonaws.com",
    "lambda.eu-central-2.amazonaws.com",
    "lambda-fips.us-gov-west-1.amazonaws.com",
    "example.com",
  ];
  // `deno eval` runs with every permission: a file run with the flags, as the bootstrap runs main.js.
  const probe = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(
    probe,
    `console.log(JSON.stringify(${
      JSON.stringify(hosts)
    }.map((host) => Deno.permissions.querySync({ name: "net", host }).state)));`,
  );
  const { stdout, code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, probe],
  }).output().finally(() => Deno.remove(probe));
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), [
    "granted",
    "granted",
    "granted",
    "prompt",
  ]);
});
