// The runtime layer on the local control plane, through the AWS SDK: the echo example built with --layer
// publishes its layer, runs with it at /opt, and every bad layer is refused or reported in Lambda's words.
import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  InvokeCommand,
  type LambdaClient,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import {
  createActive,
  HOST_ARCH,
  lambdaClient,
  ROLE,
  startControlPlane,
  WAITING,
} from "./_control_plane.ts";
import { sharedEchoLayerBuild } from "./_echo_build.ts";
import { rawZip, zerosEntry } from "./_zip_bytes.ts";
import { createZip } from "../scripts/zip.ts";

const built = await sharedEchoLayerBuild();
const functionZip = await Deno.readFile(`${built}/function.zip`);
const layerZip = await Deno.readFile(`${built}/layer.zip`);
const decoder = new TextDecoder();
const MB = 1024 * 1024;

function createWith(
  lambda: LambdaClient,
  FunctionName: string,
  Layers: string[],
): Promise<void> {
  return createActive(lambda, FunctionName, functionZip, Layers);
}

async function invoke(lambda: LambdaClient, FunctionName: string) {
  const result = await lambda.send(
    new InvokeCommand({
      FunctionName,
      Payload: new TextEncoder().encode('{"hello":"layer"}'),
    }),
  );
  return {
    error: result.FunctionError,
    payload: decoder.decode(result.Payload),
  };
}

/** A layer zip holding one file of `size` zeros, never held: counted as it inflates. */
async function zerosLayer(size: number): Promise<Uint8Array> {
  return await rawZip([await zerosEntry("zeros", size)]);
}

Deno.test("a function built with --layer runs on the control plane with its layer published and attached", async (t) => {
  await using plane = await startControlPlane();
  const lambda = lambdaClient(plane.url);
  try {
    let arn = "";
    await t.step(
      "PublishLayerVersion answers version 1 with the zip's size and hash",
      async () => {
        const published = await lambda.send(
          new PublishLayerVersionCommand({
            LayerName: "deno",
            Content: { ZipFile: layerZip },
            CompatibleArchitectures: [HOST_ARCH.lambda as "x86_64"],
            Description: "the Deno binary",
          }),
        );
        assert.equal(published.Version, 1);
        arn = published.LayerVersionArn!;
        assert.equal(arn, "arn:aws:lambda:us-east-1:123456789012:layer:deno:1");
        assert.equal(published.Content?.CodeSize, layerZip.byteLength);
        assert.deepEqual(published.CompatibleArchitectures, [HOST_ARCH.lambda]);
      },
    );

    await t.step(
      "GetLayerVersion, GetLayerVersionByArn, ListLayerVersions and ListLayers find it",
      async () => {
        const byNumber = await lambda.send(
          new GetLayerVersionCommand({ LayerName: "deno", VersionNumber: 1 }),
        );
        const byArn = await lambda.send(
          new GetLayerVersionByArnCommand({ Arn: arn }),
        );
        assert.equal(byNumber.LayerVersionArn, arn);
        assert.equal(byArn.Description, "the Deno binary");
        const versions = await lambda.send(
          new ListLayerVersionsCommand({ LayerName: "deno" }),
        );
        assert.deepEqual(versions.LayerVersions?.map((v) => v.Version), [1]);
        const layers = await lambda.send(new ListLayersCommand({}));
        assert.equal(
          layers.Layers?.[0].LatestMatchingVersion?.LayerVersionArn,
          arn,
        );
        await assert.rejects(
          lambda.send(
            new GetLayerVersionCommand({ LayerName: "deno", VersionNumber: 9 }),
          ),
          { name: "ResourceNotFoundException" },
        );
      },
    );

    await t.step("a function created with the layer answers", async () => {
      await createWith(lambda, "echo-layered", [arn]);
      const { error, payload } = await invoke(lambda, "echo-layered");
      assert.equal(error, undefined, payload);
      assert.match(payload, /ECHO: \{\\"hello\\":\\"layer\\"\}/);
    });

    await t.step(
      "a deleted layer version is gone from the API, and functions using it still run",
      async () => {
        await lambda.send(
          new DeleteLayerVersionCommand({
            LayerName: "deno",
            VersionNumber: 1,
          }),
        );
        await assert.rejects(
          lambda.send(new GetLayerVersionByArnCommand({ Arn: arn })),
          { name: "ResourceNotFoundException" },
        );
        assert.equal((await invoke(lambda, "echo-layered")).error, undefined);
      },
    );
  } finally {
    lambda.destroy();
  }
});

Deno.test("a layered function with no Deno, or a Deno layer of another version, fails its init naming the layer to attach", async (t) => {
  await using plane = await startControlPlane();
  const lambda = lambdaClient(plane.url);
  const fix = "attach the layer built by `deno task build --layer` for Deno " +
    `${Deno.version.deno} ${HOST_ARCH.lambda}`;
  try {
    await t.step("no layer at all", async () => {
      await createWith(lambda, "echo-bare", []);
      const { error, payload } = await invoke(lambda, "echo-bare");
      assert.equal(error, "Unhandled");
      const body = JSON.parse(payload);
      assert.equal(body.errorType, "Runtime.InvalidEntrypoint");
      assert.ok(body.errorMessage.includes(fix), body.errorMessage);
    });

    await t.step("a layer for another Deno version", async () => {
      const other = `deno-0.0.1-${HOST_ARCH.lambda}`;
      const { LayerVersionArn } = await lambda.send(
        new PublishLayerVersionCommand({
          LayerName: "old-deno",
          Content: {
            ZipFile: createZip([{
              name: `${other}/deno`,
              data: new TextEncoder().encode("#!/bin/sh\nexit 3\n"),
              executable: true,
            }]),
          },
        }),
      );
      await createWith(lambda, "echo-old", [LayerVersionArn!]);
      const { error, payload } = await invoke(lambda, "echo-old");
      assert.equal(error, "Unhandled");
      const body = JSON.parse(payload);
      assert.equal(body.errorType, "Runtime.InvalidEntrypoint");
      assert.match(body.errorMessage, new RegExp(`another version.*${other}`));
      assert.ok(body.errorMessage.includes(fix), body.errorMessage);
    });
  } finally {
    lambda.destroy();
  }
});

Deno.test("layers over Lambda's 250 MB unzipped, alone or with the code, are refused in Lambda's words", async (t) => {
  await using plane = await startControlPlane();
  const lambda = lambdaClient(plane.url);
  try {
    await t.step("one layer over 250 MB is not published", async () => {
      await assert.rejects(
        lambda.send(
          new PublishLayerVersionCommand({
            LayerName: "huge",
            Content: { ZipFile: await zerosLayer(251 * MB) },
          }),
        ),
        {
          name: "InvalidParameterValueException",
          message: "Unzipped size must be smaller than 262144000 bytes",
        },
      );
    });

    const arns: string[] = [];
    for (const name of ["half-a", "half-b"]) {
      const { LayerVersionArn } = await lambda.send(
        new PublishLayerVersionCommand({
          LayerName: name,
          Content: { ZipFile: await zerosLayer(130 * MB) },
        }),
      );
      arns.push(LayerVersionArn!);
    }

    await t.step(
      "two layers of 130 MB each: a function may not use both",
      async () => {
        await assert.rejects(
          lambda.send(
            new CreateFunctionCommand({
              FunctionName: "echo-heavy",
              Role: ROLE,
              Runtime: "provided.al2023",
              Handler: "bootstrap",
              Code: { ZipFile: functionZip },
              Layers: arns,
            }),
          ),
          {
            name: "InvalidParameterValueException",
            message:
              /^Function code combined with layers exceeds the maximum allowed size of 262144000 bytes\. The actual size is \d+ bytes\.$/,
          },
        );
      },
    );

    await t.step(
      "nor be updated to use both, nor a layer that does not exist",
      async () => {
        // Created without layers: a layer is unpacked only when a function runs with it.
        await createWith(lambda, "echo-light", []);
        await assert.rejects(
          lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: "echo-light",
              Layers: arns,
            }),
          ),
          { name: "InvalidParameterValueException", message: /combined/ },
        );
        await waitUntilFunctionUpdatedV2(
          { client: lambda, ...WAITING },
          { FunctionName: "echo-light" },
        );
        await assert.rejects(
          lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: "echo-light",
              Layers: [`${arns[0].replace(/:\d+$/, "")}:7`],
            }),
          ),
          { name: "InvalidParameterValueException", message: /does not exist/ },
        );
      },
    );
  } finally {
    lambda.destroy();
  }
});
