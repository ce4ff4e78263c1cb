// Code through S3: the control plane reads S3Bucket/S3Key from a local S3 (s3rver, in its own process)
// for the AWS SDK, `deno task deploy --bucket` and the AWS CLI, with Lambda's errors and size limits.
import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type LambdaClient,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { PutObjectCommand, S3Client } from "npm:@aws-sdk/client-s3@3.1175.0";
import { createZip } from "../scripts/zip.ts";
import {
  HOST_ARCH,
  lambdaClient,
  ROLE,
  startControlPlane,
  variantZip,
  WAITING,
} from "./_control_plane.ts";
import { shellZip } from "./_shell_function.ts";
import { spawnLocalServers } from "../examples/aws_sdk/spawn_local_servers.ts";
import { awsCli, hasAwsCli } from "./_aws_cli.ts";
import { denoTask, type TaskRun } from "./_task.ts";

const MB = 1024 * 1024;
const decoder = new TextDecoder();

// Where code comes from is the control plane's concern: a shell function answering "ECHO: …" is enough.
const work = await Deno.makeTempDir({ prefix: "control-plane-s3-test-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(work, { recursive: true });
});
const zip = shellZip("ECHO");
const zipPath = `${work}/function.zip`;
await Deno.writeFile(zipPath, zip);

/** The shell function's answer as the echo example words it: `<tag>: <event>`. */
function echoed(answer: { tag: string; event: unknown }): string {
  return `${answer.tag}: ${answer.event}`;
}

/** `n` bytes that no deflate makes smaller. */
function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(n, at + 65536)));
  }
  return bytes;
}

function s3Client(env: Record<string, string>): S3Client {
  return new S3Client({
    endpoint: env.AWS_ENDPOINT_URL_S3,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
}

async function invokeEcho(lambda: LambdaClient, name: string, text: string) {
  const result = await lambda.send(
    new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(text) }),
  );
  return echoed(JSON.parse(decoder.decode(result.Payload)));
}

function create(name: string, code: Record<string, unknown>) {
  return new CreateFunctionCommand({
    FunctionName: name,
    Role: ROLE,
    Runtime: "provided.al2023",
    Handler: "bootstrap",
    Architectures: [HOST_ARCH.lambda as "x86_64"],
    Code: code,
    Timeout: 10,
  });
}

Deno.test("the control plane takes code from S3Bucket/S3Key in a local S3", async (t) => {
  await using servers = await spawnLocalServers();
  const bucket = servers.env.BUCKET;
  await using plane = await startControlPlane([
    "--s3-endpoint",
    servers.env.AWS_ENDPOINT_URL_S3,
  ]);
  const lambda = lambdaClient(plane.url);
  const s3 = s3Client(servers.env);
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "echo/v1.zip", Body: zip }),
    );
    await t.step(
      "CreateFunction reads the object, reports its size, and the function answers",
      async () => {
        const created = await lambda.send(
          create("echo-s3", { S3Bucket: bucket, S3Key: "echo/v1.zip" }),
        );
        assert.equal(created.CodeSize, zip.byteLength);
        await waitUntilFunctionActiveV2(
          { client: lambda, ...WAITING },
          { FunctionName: "echo-s3" },
        );
        assert.equal(await invokeEcho(lambda, "echo-s3", "s3"), "ECHO: s3");
      },
    );

    await t.step(
      "UpdateFunctionCode with S3Bucket/S3Key runs the new object's code",
      async () => {
        const other = await Deno.readFile(
          await variantZip(shellZip("SHOUT"), `${work}/shout.zip`, {
            add: [{ name: "noise.bin", data: randomBytes(51 * MB) }],
            // Stored, so quick to make, and over 50 MB: only S3 can take it.
            level: 0,
          }),
        );
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: "echo/v2.zip",
            Body: other,
          }),
        );
        const updated = await lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: "echo-s3",
            S3Bucket: bucket,
            S3Key: "echo/v2.zip",
          }),
        );
        assert.equal(updated.CodeSize, other.byteLength);
        await waitUntilFunctionUpdatedV2(
          { client: lambda, ...WAITING },
          { FunctionName: "echo-s3" },
        );
        assert.equal(await invokeEcho(lambda, "echo-s3", "s3"), "SHOUT: s3");
      },
    );

    await t.step(
      "a missing key is Lambda's InvalidParameterValueException with S3's code and message",
      async () => {
        await assert.rejects(
          lambda.send(create("echo-nokey", { S3Bucket: bucket, S3Key: "no" })),
          {
            name: "InvalidParameterValueException",
            message:
              "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.",
          },
        );
      },
    );

    await t.step("a missing bucket says NoSuchBucket", async () => {
      await assert.rejects(
        lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: "echo-s3",
            S3Bucket: "no-such-bucket",
            S3Key: "echo/v1.zip",
          }),
        ),
        {
          name: "InvalidParameterValueException",
          message:
            /^Error occurred while GetObject\. S3 Error Code: NoSuchBucket\./,
        },
      );
    });

    await t.step(
      "an object that is not a zip is refused before anything is created",
      async () => {
        await s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: "text", Body: "hello" }),
        );
        await assert.rejects(
          lambda.send(create("echo-text", { S3Bucket: bucket, S3Key: "text" })),
          {
            name: "InvalidParameterValueException",
            message: /^Could not unzip uploaded file/,
          },
        );
        await assert.rejects(
          lambda.send(
            new GetFunctionConfigurationCommand({ FunctionName: "echo-text" }),
          ),
          { name: "ResourceNotFoundException" },
        );
      },
    );

    await t.step(
      "a package over 250 MB unzipped is refused with Lambda's words",
      async () => {
        // Zeros deflate to almost nothing: a small object, a large package.
        const huge = createZip([
          { name: "bootstrap", data: new Uint8Array(251 * MB) },
        ], { level: 1 });
        await s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: "huge", Body: huge }),
        );
        await assert.rejects(
          lambda.send(create("echo-huge", { S3Bucket: bucket, S3Key: "huge" })),
          {
            name: "InvalidParameterValueException",
            message: "Unzipped size must be smaller than 262144000 bytes",
          },
        );
      },
    );
  } finally {
    lambda.destroy();
    s3.destroy();
  }
});

Deno.test("code in S3 without an S3 endpoint, and a zip over 50 MB sent inline, are refused with what to do", async (t) => {
  await using plane = await startControlPlane();
  const lambda = lambdaClient(plane.url);
  try {
    await t.step(
      "S3Bucket/S3Key with no --s3-endpoint names the option",
      async () => {
        await assert.rejects(
          lambda.send(create("echo-s3", { S3Bucket: "b", S3Key: "k" })),
          {
            name: "InvalidParameterValueException",
            message: /--s3-endpoint URL \(or AWS_ENDPOINT_URL_S3\)/,
          },
        );
      },
    );
    await t.step(
      "ZipFile and S3Bucket/S3Key together are refused",
      async () => {
        await assert.rejects(
          lambda.send(
            create("echo-both", { ZipFile: zip, S3Bucket: "b", S3Key: "k" }),
          ),
          { name: "InvalidParameterValueException", message: /not both/ },
        );
      },
    );
    await t.step(
      "a ZipFile over 50 MB is a RequestEntityTooLargeException",
      async () => {
        const big = createZip([
          { name: "bootstrap", data: randomBytes(51 * MB) },
        ], { level: 0 });
        await assert.rejects(
          lambda.send(create("echo-big", { ZipFile: big })),
          {
            name: "RequestEntityTooLargeException",
            message:
              "Request must be smaller than 69905067 bytes for the CreateFunction operation",
          },
        );
      },
    );
  } finally {
    lambda.destroy();
  }
});

/** `deno task deploy …`, with test credentials and no S3 endpoint but the one given. */
function deployTask(
  args: string[],
  env: Record<string, string> = {},
): Promise<TaskRun> {
  return denoTask("deploy", args, {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_S3: "",
    AWS_ENDPOINT_URL: "",
    ...env,
  });
}

Deno.test("deno task deploy stops before any call on a zip over 50 MB it cannot upload", async (t) => {
  await using plane = await startControlPlane();
  const big = `${work}/big.zip`;
  await Deno.writeFile(
    big,
    createZip([{ name: "bootstrap", data: randomBytes(51 * MB) }], {
      level: 0,
    }),
  );
  const common = [
    "--endpoint-url",
    plane.url,
    "--name",
    "big",
    "--role",
    ROLE,
    "--zip",
    big,
  ];
  await t.step("without --bucket it says to pass --bucket", async () => {
    const run = await deployTask(common);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /over the 50 MB limit for a direct upload/);
    assert.match(run.stderr, /what to do: Pass --bucket NAME/);
    assert.doesNotMatch(run.stderr, /GetFunction|PutObject|CreateFunction/);
  });
  await t.step(
    "with --bucket and --endpoint-url but no S3 endpoint it says to pass --s3-endpoint-url",
    async () => {
      const run = await deployTask([...common, "--bucket", "b"]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /what to do: Pass --s3-endpoint-url URL/);
      assert.doesNotMatch(run.stderr, /GetFunction|PutObject|CreateFunction/);
    },
  );
  await t.step("nothing was created", async () => {
    const listed = await (await fetch(`${plane.url}/2015-03-31/functions`))
      .json();
    assert.deepEqual(listed.Functions, []);
  });
});

Deno.test("deno task deploy --bucket uploads a zip over 50 MB to S3, and the control plane creates the function from it", async () => {
  await using servers = await spawnLocalServers();
  await using plane = await startControlPlane([
    "--s3-endpoint",
    servers.env.AWS_ENDPOINT_URL_S3,
  ]);
  // The function plus noise no deflate shrinks: really over 50 MB zipped.
  const big = await variantZip(zip, `${work}/echo-big.zip`, {
    add: [{ name: "noise.bin", data: randomBytes(51 * MB) }],
    level: 0,
  });
  const size = (await Deno.stat(big)).size;
  assert.ok(size > 50 * MB, `the zip is ${size} bytes`);
  const run = await deployTask([
    "--endpoint-url",
    plane.url,
    "--name",
    "echo-big",
    "--role",
    ROLE,
    "--zip",
    big,
    "--bucket",
    servers.env.BUCKET,
    "--architecture",
    HOST_ARCH.lambda,
  ], {
    // s3rver checks the access key; the control plane checks none.
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_ENDPOINT_URL_S3: servers.env.AWS_ENDPOINT_URL_S3,
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /PutObject s3:\/\/rtl-lambda-example\/echo-big\//);
  assert.match(run.stdout, /echo-big created/);
  assert.match(run.stdout, new RegExp(`CodeSize ${size}\\)`));
  const lambda = lambdaClient(plane.url);
  try {
    assert.equal(await invokeEcho(lambda, "echo-big", "big"), "ECHO: big");
  } finally {
    lambda.destroy();
  }
});

Deno.test({
  name: "the AWS CLI creates a function from S3Bucket/S3Key and invokes it",
  ignore: !hasAwsCli,
  async fn(t) {
    await using servers = await spawnLocalServers();
    await using plane = await startControlPlane([
      "--s3-endpoint",
      servers.env.AWS_ENDPOINT_URL_S3,
    ]);
    // s3rver checks the access key; the control plane checks none.
    const cli = (args: string[], endpoint: string) =>
      awsCli(args, {
        endpoint,
        cwd: work,
        credentials: { id: "S3RVER", secret: "S3RVER" },
      });
    const bucket = servers.env.BUCKET;
    await t.step("aws s3api put-object uploads the zip", async () => {
      const run = await cli([
        "s3api",
        "put-object",
        "--bucket",
        bucket,
        "--key",
        "cli/function.zip",
        "--body",
        zipPath,
      ], servers.env.AWS_ENDPOINT_URL_S3);
      assert.equal(run.code, 0, decoder.decode(run.stderr));
    });
    await t.step(
      "aws lambda create-function --code S3Bucket=…,S3Key=… creates it",
      async () => {
        const run = await cli([
          "lambda",
          "create-function",
          "--function-name",
          "echo-cli-s3",
          "--runtime",
          "provided.al2023",
          "--handler",
          "bootstrap",
          "--role",
          ROLE,
          "--code",
          `S3Bucket=${bucket},S3Key=cli/function.zip`,
        ], plane.url);
        assert.equal(run.code, 0, decoder.decode(run.stderr));
        assert.equal(
          JSON.parse(decoder.decode(run.stdout)).CodeSize,
          zip.byteLength,
        );
      },
    );
    await t.step(
      "wait function-active-v2, then invoke, answers ECHO",
      async () => {
        const event = `${work}/event.json`;
        await Deno.writeTextFile(event, '"cli s3"');
        const waited = await cli([
          "lambda",
          "wait",
          "function-active-v2",
          "--function-name",
          "echo-cli-s3",
        ], plane.url);
        assert.equal(waited.code, 0, decoder.decode(waited.stderr));
        const run = await cli([
          "lambda",
          "invoke",
          "--function-name",
          "echo-cli-s3",
          "--payload",
          `fileb://${event}`,
          `${work}/out.json`,
        ], plane.url);
        assert.equal(run.code, 0, decoder.decode(run.stderr));
        assert.equal(
          echoed(JSON.parse(await Deno.readTextFile(`${work}/out.json`))),
          "ECHO: cli s3",
        );
      },
    );
    await t.step(
      "a missing key fails the command with Lambda's message",
      async () => {
        const run = await cli([
          "lambda",
          "create-function",
          "--function-name",
          "echo-cli-nokey",
          "--runtime",
          "provided.al2023",
          "--handler",
          "bootstrap",
          "--role",
          ROLE,
          "--code",
          `S3Bucket=${bucket},S3Key=missing.zip`,
        ], plane.url);
        assert.notEqual(run.code, 0);
        assert.match(
          decoder.decode(run.stderr),
          /InvalidParameterValueException.*S3 Error Code: NoSuchKey/,
        );
      },
    );
  },
});
