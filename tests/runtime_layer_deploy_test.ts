// `deno task deploy --layer-mode` against the control plane: the Deno layer is published once per content,
// reused after, attached, and only function.zip is uploaded; a layer that does not fit is refused first.
import assert from "node:assert/strict";
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListLayerVersionsCommand,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import {
  HOST_ARCH,
  lambdaClient,
  ROLE,
  startControlPlane,
} from "./_control_plane.ts";
import { sharedEchoLayerBuild } from "./_echo_build.ts";
import { denoTask, type TaskRun } from "./_task.ts";
import { rawZip, zerosEntry } from "./_zip_bytes.ts";
import { createZip } from "../scripts/zip.ts";

const built = await sharedEchoLayerBuild();
const work = await Deno.makeTempDir({ prefix: "runtime-layer-deploy-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(work, { recursive: true });
});
const MB = 1024 * 1024;
const layerName = `deno-${
  Deno.version.deno.replaceAll(".", "_")
}-${HOST_ARCH.lambda}`;

function deployTask(url: string, args: string[]): Promise<TaskRun> {
  return denoTask("deploy", [
    "--endpoint-url",
    url,
    "--architecture",
    HOST_ARCH.lambda,
    "--role",
    ROLE,
    "--timeout",
    "10",
    ...args,
  ], {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
  });
}

Deno.test("deploy --layer-mode publishes the Deno layer once, reuses it after, and uploads only function.zip", async (t) => {
  await using plane = await startControlPlane();
  const lambda = lambdaClient(plane.url);
  const common = [
    "--name",
    "echo-layer",
    "--zip",
    `${built}/function.zip`,
    "--layer-mode",
  ];
  try {
    await t.step("--dry-run says it will publish the layer", async () => {
      const run = await deployTask(plane.url, [...common, "--dry-run"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stderr,
        /publish the layer .*layer\.zip .* as a new version of /,
      );
      assert.match(run.stderr, /only ListLayerVersions is called/);
    });

    await t.step(
      "the deploy publishes it, attaches it, and the function answers",
      async () => {
        const run = await deployTask(plane.url, common);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /layer {5}\S+:layer:\S+:1 \(published/);
        const configuration = await lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName: "echo-layer" }),
        );
        const functionZip = await Deno.stat(`${built}/function.zip`);
        assert.equal(configuration.CodeSize, functionZip.size);
        assert.ok(configuration.CodeSize! < MB);
        assert.equal(configuration.Layers?.length, 1);
        const result = await lambda.send(
          new InvokeCommand({
            FunctionName: "echo-layer",
            Payload: new TextEncoder().encode(`{"a":1}`),
          }),
        );
        assert.equal(
          result.FunctionError,
          undefined,
          new TextDecoder().decode(result.Payload),
        );
      },
    );

    await t.step(
      "a second --dry-run says it will reuse that version",
      async () => {
        const run = await deployTask(plane.url, [...common, "--dry-run"]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(
          run.stderr,
          /reuse the layer \S+:layer:\S+:1 \(version 1, the same content/,
        );
      },
    );

    await t.step("a second deploy reuses it: still one version", async () => {
      const run = await deployTask(plane.url, common);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /\(reused/);
      const versions = await lambda.send(
        new ListLayerVersionsCommand({ LayerName: layerName }),
      );
      assert.equal(versions.LayerVersions?.length, 1);
    });
  } finally {
    lambda.destroy();
  }
});

/** A dry run of layer mode with `zip` and `layer`, against a port nothing listens on: a refusal must come before any request. */
function refusedDryRun(zip: string, layer: string): Promise<TaskRun> {
  return deployTask("http://127.0.0.1:9", [
    "--name",
    "x",
    "--zip",
    zip,
    "--layer-mode",
    "--layer-zip",
    layer,
    "--dry-run",
  ]);
}

Deno.test("deploy --layer-mode refuses, before calling anything, a layer that does not go with the function", async (t) => {
  const functionZip = `${built}/function.zip`;

  await t.step("a layer for another Deno version", async () => {
    const other = `${work}/other.zip`;
    await Deno.writeFile(
      other,
      createZip([{
        name: `deno-0.0.1-${HOST_ARCH.lambda}/deno`,
        data: new TextEncoder().encode("#!/bin/sh\n"),
        executable: true,
      }]),
    );
    const run = await refusedDryRun(functionZip, other);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /holds deno-0\.0\.1-\S+, but .* runs \/opt\/deno-\S+\/deno: a layer for another Deno version/,
    );
    assert.match(run.stderr, /deno task build --layer/);
  });

  await t.step("a function zip that carries its own Deno", async () => {
    const full = `${work}/full.zip`;
    await Deno.writeFile(
      full,
      createZip([
        {
          name: "bootstrap",
          data: new TextEncoder().encode("#!/bin/sh\n"),
          executable: true,
        },
        { name: "deno", data: new Uint8Array(8), executable: true },
      ]),
    );
    const run = await refusedDryRun(full, `${built}/layer.zip`);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /was not built with --layer: it carries its own Deno binary/,
    );
  });

  await t.step(
    "a layer that with the function passes 250 MB unzipped",
    async () => {
      // The folder the function's bootstrap expects, and zeros to just under 250 MB alone.
      const folder = /\}\/(deno-[^/]+)\/deno"/.exec(
        await Deno.readTextFile(`${built}/bootstrap`),
      )![1];
      const heavy = `${work}/heavy.zip`;
      await Deno.writeFile(
        heavy,
        await rawZip([
          { name: `${folder}/deno`, data: new Uint8Array(8) },
          await zerosEntry("zeros", 262_000_000),
        ]),
      );
      const run = await refusedDryRun(functionZip, heavy);
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /over Lambda's 262144000 bytes for a function and its layers unzipped/,
      );
    },
  );
});
