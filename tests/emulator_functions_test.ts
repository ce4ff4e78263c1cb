// `--function NAME=ENTRY` on the emulator's command line: several functions on one port, each in a
// process of its own, invoked by name and reached at /lambda-url/NAME/.
import assert from "node:assert/strict";
import {
  InvokeCommand,
  InvokeWithResponseStreamCommand,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { startCli } from "./_cli.ts";
import { emulatorCommand } from "./_emulator_cli.ts";
import { lambdaClient } from "./_control_plane.ts";

const root = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

Deno.test("the emulator runs several functions with --function", async (t) => {
  await using emulator = await startCli([
    `${root}examples/echo/main.ts`,
    "--name",
    "echo",
    "--function",
    `env=${root}tests/fixtures/env_function.ts`,
    "--function",
    `url=${root}tests/fixtures/function_url_function.ts`,
    "--port",
    "0",
  ], /Function echo \(.*\) on (http:\/\/\S+)/);
  const lambda = lambdaClient(emulator.url);
  const invoke = async (name: string, event: unknown) =>
    JSON.parse(decoder.decode(
      (await lambda.send(
        new InvokeCommand({
          FunctionName: name,
          Payload: JSON.stringify(event),
        }),
      )).Payload,
    ));
  try {
    await t.step(
      "each name reaches its own function, in a process of its own",
      async () => {
        assert.equal((await invoke("echo", "hi")).message, "ECHO: hi");
        assert.deepEqual(await invoke("env", ["AWS_LAMBDA_FUNCTION_NAME"]), {
          AWS_LAMBDA_FUNCTION_NAME: "env",
        });
        assert.deepEqual(
          await invoke(
            "arn:aws:lambda:us-east-1:123456789012:function:env",
            ["AWS_LAMBDA_FUNCTION_NAME"],
          ),
          { AWS_LAMBDA_FUNCTION_NAME: "env" },
        );
      },
    );

    await t.step(
      "InvokeWithResponseStream reaches a --function by name",
      async () => {
        const answer = await lambda.send(
          new InvokeWithResponseStreamCommand({
            FunctionName: "env",
            Payload: JSON.stringify(["AWS_LAMBDA_FUNCTION_NAME"]),
          }),
        );
        let text = "";
        for await (const event of answer.EventStream!) {
          if (event.PayloadChunk?.Payload) {
            text += decoder.decode(event.PayloadChunk.Payload);
          }
        }
        assert.deepEqual(JSON.parse(text), { AWS_LAMBDA_FUNCTION_NAME: "env" });
      },
    );

    await t.step(
      "/lambda-url/NAME/ is that function's URL",
      async () => {
        const response = await fetch(
          `${emulator.url}/lambda-url/url/structured`,
        );
        assert.equal(response.status, 418);
        assert.equal(await response.text(), "short and stout");
        const echo = await fetch(`${emulator.url}/lambda-url/echo/users/1`);
        assert.match(
          (await echo.json()).message,
          /^ECHO: .*"rawPath":"\/users\/1"/,
        );
      },
    );

    await t.step("a name it does not run is not found", async () => {
      await assert.rejects(invoke("nobody", {}), {
        name: "ResourceNotFoundException",
      });
    });
  } finally {
    lambda.destroy();
  }
});

Deno.test("with --function alone the first one is the emulator's own function", async () => {
  await using emulator = await startCli([
    "--function",
    `first=${root}examples/echo/main.ts`,
    "--function",
    `second=${root}tests/fixtures/env_function.ts`,
    "--port",
    "0",
  ], /Function first \(.*\) on (http:\/\/\S+)/);
  const answer = async (name: string, event: unknown) =>
    await (await fetch(
      `${emulator.url}/2015-03-31/functions/${name}/invocations`,
      { method: "POST", body: JSON.stringify(event) },
    )).json();
  assert.equal((await answer("first", "one")).message, "ECHO: one");
  assert.deepEqual(await answer("second", ["AWS_LAMBDA_FUNCTION_NAME"]), {
    AWS_LAMBDA_FUNCTION_NAME: "second",
  });
});

Deno.test("--function refuses a malformed pair and a name given twice", async (t) => {
  const run = async (args: string[]) => {
    const { code, stderr } = await emulatorCommand(args).output();
    return { code, stderr: decoder.decode(stderr) };
  };
  await t.step("NAME=ENTRY is required", async () => {
    const result = await run(["--function", "echo"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--function takes NAME=ENTRY/);
  });
  await t.step("two functions may not share a name", async () => {
    const result = await run([
      `${root}examples/echo/main.ts`,
      "--function",
      `function=${root}examples/echo/main.ts`,
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Two functions are named function/);
  });
});
