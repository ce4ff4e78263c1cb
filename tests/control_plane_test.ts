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
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import {
  echoFixture,
  HOST_ARCH,
  lambdaClient,
  ROLE,
  startControlPlane,
  WAITING,
} from "./_control_plane.ts";
import { awsCli, hasAwsCli } from "./_aws_cli.ts";
import { startCli } from "./_cli.ts";
import { denoTask, type TaskRun } from "./_task.ts";

const { work, zipPath, zip } = await echoFixture("control-plane-test-");
const sha256 = btoa(
  String.fromCharCode(
    ...new Uint8Array(await crypto.subtle.digest("SHA-256", zip)),
  ),
);
const decoder = new TextDecoder();

Deno.test("the AWS SDK's Lambda client deploys to the control plane and invokes what it deployed", async (t) => {
  await using plane = await startControlPlane();
  const lambda = lambdaClient(plane.url);
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
          { client: lambda, ...WAITING },
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

    await t.step("Invoke by full ARN reaches the same function", async () => {
      const result = await lambda.send(
        new InvokeCommand({
          FunctionName:
            `arn:aws:lambda:us-east-1:123456789012:function:${FunctionName}`,
          Payload: '"by arn"',
        }),
      );
      assert.equal(
        JSON.parse(decoder.decode(result.Payload)).message,
        "ECHO: by arn",
      );
    });

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
          { client: lambda, ...WAITING },
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
          { client: lambda, ...WAITING },
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

const root = new URL("..", import.meta.url).pathname;

/** `deno task deploy --endpoint-url <url> …`, with test credentials in its environment. */
function deployTask(
  url: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<TaskRun> {
  return denoTask("deploy", ["--endpoint-url", url, ...args], {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    ...env,
  });
}

Deno.test("deno task deploy deploys the built zip to the control plane", async (t) => {
  await using plane = await startControlPlane();
  const envFile = `${work}/function.env`;
  await Deno.writeTextFile(envFile, "GREETING=hello\n");
  const name = "echo-task";
  const common = ["--name", name, "--zip", zipPath];

  await t.step("--dry-run prints the plan and creates nothing", async () => {
    const run = await deployTask(plane.url, [...common, "--dry-run", "--url"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Plan \(dry run/);
    assert.match(run.stderr, /give it a function URL/);
    const listed = await (await fetch(`${plane.url}/2015-03-31/functions`))
      .json();
    assert.deepEqual(listed.Functions, []);
  });

  await t.step(
    "missing credentials are explained with what to do",
    async () => {
      const run = await deployTask(plane.url, common, {
        AWS_ACCESS_KEY_ID: "",
        AWS_SECRET_ACCESS_KEY: "",
        AWS_PROFILE: "",
        AWS_CONFIG_FILE: `${work}/none`,
        AWS_SHARED_CREDENTIALS_FILE: `${work}/none`,
        AWS_EC2_METADATA_DISABLED: "true",
      });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /what to do: No AWS credentials were found/);
    },
  );

  await t.step("a missing region is explained with what to do", async () => {
    const run = await deployTask(plane.url, common, {
      AWS_REGION: "",
      AWS_DEFAULT_REGION: "",
      AWS_CONFIG_FILE: `${work}/none`,
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /what to do: No region is set/);
  });

  await t.step(
    "a role Lambda cannot assume is explained with what to do",
    async () => {
      const run = await deployTask(plane.url, [...common, "--role", "local"]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /InvalidParameterValueException/);
      assert.match(run.stderr, /what to do: Lambda cannot assume the role/);
    },
  );

  await t.step(
    "a new function without --role is refused with what to do",
    async () => {
      const run = await deployTask(plane.url, common);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /what to do: Pass --role/);
    },
  );

  await t.step(
    "it creates the function, waits, adds a URL, a version and an alias, and sums up",
    async () => {
      const run = await deployTask(plane.url, [
        ...common,
        "--role",
        ROLE,
        "--env-file",
        envFile,
        "--memory",
        "256",
        "--timeout",
        "10",
        "--url",
        "--alias",
        "live",
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /CreateFunction echo-task…/);
      assert.match(run.stdout, /echo-task created/);
      assert.match(
        run.stdout,
        /arn +arn:aws:lambda:us-east-1:123456789012:function:echo-task/,
      );
      assert.match(
        run.stdout,
        new RegExp(`url +${plane.url}/lambda-url/${name}/`),
      );
      assert.match(run.stdout, /version +1/);
      assert.match(run.stdout, /alias +arn:.*:echo-task:live/);
    },
  );

  await t.step(
    "the deployed zip answers an invocation and its function URL, with the --env-file variables set",
    async () => {
      const response = await fetch(
        `${plane.url}/2015-03-31/functions/${name}/invocations`,
        { method: "POST", body: '"deployed"' },
      );
      assert.equal((await response.json()).message, "ECHO: deployed");
      const viaUrl = await fetch(`${plane.url}/lambda-url/${name}/users/1`);
      assert.equal(viaUrl.status, 200);
      assert.match(
        (await viaUrl.json()).message,
        /^ECHO: .*"rawPath":"\/users\/1"/,
      );
      const configuration = await (await fetch(
        `${plane.url}/2015-03-31/functions/${name}/configuration`,
      )).json();
      assert.deepEqual(configuration.Environment.Variables, {
        GREETING: "hello",
      });
      assert.equal(configuration.MemorySize, 256);
    },
  );

  await t.step(
    "a second deploy of the same zip and settings publishes nothing new: the alias stays on version 1",
    async () => {
      const run = await deployTask(plane.url, [...common, "--alias", "live"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /UpdateFunctionCode echo-task…/);
      assert.match(run.stdout, /echo-task updated/);
      assert.match(run.stdout, /version +1/);
    },
  );

  await t.step(
    "a deploy that changes a setting publishes version 2 and moves the alias to it",
    async () => {
      const run = await deployTask(plane.url, [
        ...common,
        "--memory",
        "512",
        "--alias",
        "live",
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /version +2/);
      const alias = await (await fetch(
        `${plane.url}/2015-03-31/functions/${name}/aliases/live`,
      )).json();
      assert.equal(alias.FunctionVersion, "2");
    },
  );
});

Deno.test("the emulator serves the control plane beside its own function with --control-plane", async (t) => {
  await using emulator = await startCli(
    [`${root}examples/echo/main.ts`, "--control-plane", "--port", "0"],
    / on (http:\/\/\S+)/,
  );
  await t.step("ListFunctions answers on the emulator's port", async () => {
    const listed = await (await fetch(`${emulator.url}/2015-03-31/functions`))
      .json();
    assert.deepEqual(listed.Functions, []);
  });
  await t.step(
    "the emulator's own function still answers its invocations",
    async () => {
      const response = await fetch(
        `${emulator.url}/2015-03-31/functions/function/invocations`,
        { method: "POST", body: '"own"' },
      );
      assert.equal((await response.json()).message, "ECHO: own");
    },
  );
});

Deno.test({
  name: "the AWS CLI creates a function on the control plane and invokes it",
  ignore: !hasAwsCli,
  async fn(t) {
    await using plane = await startControlPlane();
    const cli = (args: string[]) =>
      awsCli(args, { endpoint: plane.url, cwd: work });
    await t.step(
      "aws lambda create-function answers the function's ARN",
      async () => {
        const run = await cli([
          "lambda",
          "create-function",
          "--function-name",
          "echo-cli",
          "--runtime",
          "provided.al2023",
          "--handler",
          "bootstrap",
          "--role",
          ROLE,
          "--zip-file",
          `fileb://${zipPath}`,
        ]);
        assert.equal(run.code, 0, decoder.decode(run.stderr));
        assert.match(decoder.decode(run.stdout), /function:echo-cli/);
      },
    );
    await t.step(
      "aws lambda wait function-active-v2, then invoke, answers ECHO",
      async () => {
        // A file payload reads the same in the CLI's versions 1 and 2.
        const event = `${work}/event.json`;
        await Deno.writeTextFile(event, '"cli"');
        const waited = await cli([
          "lambda",
          "wait",
          "function-active-v2",
          "--function-name",
          "echo-cli",
        ]);
        assert.equal(waited.code, 0, decoder.decode(waited.stderr));
        const run = await cli([
          "lambda",
          "invoke",
          "--function-name",
          "echo-cli",
          "--payload",
          `fileb://${event}`,
          `${work}/out.json`,
        ]);
        assert.equal(run.code, 0, decoder.decode(run.stderr));
        assert.equal(
          JSON.parse(await Deno.readTextFile(`${work}/out.json`)).message,
          "ECHO: cli",
        );
      },
    );
  },
});
