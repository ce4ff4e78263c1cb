// The AWS SDK's Lambda client, `deno task deploy` and (where installed) the AWS CLI against the
// emulator's control plane in its own process, deploying the echo example built into a portable zip.
import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { buildEcho, HOST_ARCH, startControlPlane } from "./_control_plane.ts";

const ROLE = "arn:aws:iam::123456789012:role/local";
const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };
const work = await Deno.makeTempDir({ prefix: "control-plane-test-" });
const zipPath = await buildEcho(`${work}/dist`);
const zip = await Deno.readFile(zipPath);
const sha256 = btoa(
  String.fromCharCode(
    ...new Uint8Array(await crypto.subtle.digest("SHA-256", zip)),
  ),
);
const decoder = new TextDecoder();

function client(url: string): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: "us-east-1",
    credentials: CREDENTIALS,
  });
}

const waiting = { maxWaitTime: 60, minDelay: 1, maxDelay: 1 };

Deno.test("the AWS SDK's Lambda client deploys to the control plane and invokes what it deployed", async (t) => {
  await using plane = await startControlPlane();
  const lambda = client(plane.url);
  const FunctionName = "echo-sdk";
  try {
    await t.step(
      "CreateFunction refuses a role that is not an IAM role ARN",
      async () => {
        await assert.rejects(
          lambda.send(
            new CreateFunctionCommand({
              FunctionName,
              Role: "local",
              Runtime: "provided.al2023",
              Handler: "bootstrap",
              Code: { ZipFile: zip },
            }),
          ),
          { name: "InvalidParameterValueException" },
        );
      },
    );

    await t.step(
      "CreateFunction answers with the code's size and SHA-256",
      async () => {
        const created = await lambda.send(
          new CreateFunctionCommand({
            FunctionName,
            Role: ROLE,
            Runtime: "provided.al2023",
            Handler: "bootstrap",
            Architectures: [HOST_ARCH.lambda as "x86_64"],
            Code: { ZipFile: zip },
            Timeout: 10,
          }),
        );
        assert.equal(created.CodeSize, zip.byteLength);
        assert.equal(created.CodeSha256, sha256);
        assert.equal(
          created.FunctionArn,
          `arn:aws:lambda:us-east-1:123456789012:function:${FunctionName}`,
        );
      },
    );

    await t.step(
      "GetFunctionConfiguration reports it Active once started",
      async () => {
        await waitUntilFunctionActiveV2(
          { client: lambda, ...waiting },
          { FunctionName },
        );
        const got = await lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName }),
        );
        assert.equal(got.State, "Active");
        assert.equal(got.LastUpdateStatus, "Successful");
        assert.equal(got.Timeout, 10);
      },
    );

    await t.step(
      "Invoke of the deployed name runs the unzipped bootstrap",
      async () => {
        const result = await lambda.send(
          new InvokeCommand({ FunctionName, Payload: '"hi"' }),
        );
        assert.equal(result.FunctionError, undefined);
        assert.equal(
          JSON.parse(decoder.decode(result.Payload)).message,
          "ECHO: hi",
        );
      },
    );

    await t.step(
      "UpdateFunctionConfiguration is InProgress, and a second update meanwhile is a ResourceConflictException",
      async () => {
        const updating = await lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName,
            MemorySize: 256,
            Environment: { Variables: { GREETING: "hello" } },
          }),
        );
        assert.equal(updating.LastUpdateStatus, "InProgress");
        await assert.rejects(
          lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName,
              Timeout: 5,
            }),
          ),
          { name: "ResourceConflictException" },
        );
        await waitUntilFunctionUpdatedV2(
          { client: lambda, ...waiting },
          { FunctionName },
        );
        const got = await lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName }),
        );
        assert.equal(got.MemorySize, 256);
        assert.deepEqual(got.Environment?.Variables, { GREETING: "hello" });
      },
    );

    await t.step(
      "UpdateFunctionCode takes new code and the function answers again",
      async () => {
        const updated = await lambda.send(
          new UpdateFunctionCodeCommand({ FunctionName, ZipFile: zip }),
        );
        assert.equal(updated.CodeSha256, sha256);
        await waitUntilFunctionUpdatedV2(
          { client: lambda, ...waiting },
          { FunctionName },
        );
        const result = await lambda.send(
          new InvokeCommand({ FunctionName, Payload: '"again"' }),
        );
        assert.equal(
          JSON.parse(decoder.decode(result.Payload)).message,
          "ECHO: again",
        );
      },
    );

    await t.step(
      "GetFunction answers the configuration and the code's repository",
      async () => {
        const got = await lambda.send(new GetFunctionCommand({ FunctionName }));
        assert.equal(got.Configuration?.FunctionName, FunctionName);
        assert.equal(got.Code?.RepositoryType, "S3");
      },
    );

    await t.step(
      "CreateFunctionUrlConfig answers a URL under the control plane",
      async () => {
        const url = await lambda.send(
          new CreateFunctionUrlConfigCommand({
            FunctionName,
            AuthType: "NONE",
          }),
        );
        assert.equal(
          url.FunctionUrl,
          `${plane.url}/lambda-url/${FunctionName}/`,
        );
        assert.equal(url.AuthType, "NONE");
      },
    );

    await t.step(
      "PublishVersion answers version 1, and invoking it works",
      async () => {
        const published = await lambda.send(
          new PublishVersionCommand({ FunctionName }),
        );
        assert.equal(published.Version, "1");
        assert.equal(
          published.FunctionArn?.endsWith(`${FunctionName}:1`),
          true,
        );
        const result = await lambda.send(
          new InvokeCommand({ FunctionName, Qualifier: "1", Payload: '"v1"' }),
        );
        assert.equal(
          JSON.parse(decoder.decode(result.Payload)).message,
          "ECHO: v1",
        );
      },
    );

    await t.step(
      "DeleteFunction removes it: GetFunction is then a ResourceNotFoundException",
      async () => {
        await lambda.send(new DeleteFunctionCommand({ FunctionName }));
        await assert.rejects(
          lambda.send(new GetFunctionCommand({ FunctionName })),
          { name: "ResourceNotFoundException" },
        );
      },
    );
  } finally {
    lambda.destroy();
  }
});

Deno.test("cleanup: the built zip is removed", async () => {
  await Deno.remove(work, { recursive: true });
  await assert.rejects(Deno.stat(work), Deno.errors.NotFound);
});
