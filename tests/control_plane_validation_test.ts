// CreateFunction and UpdateFunctionConfiguration checked as Lambda checks them, through the AWS SDK's
// Lambda client and raw HTTP against a real control plane: Lambda's exception and words for each refusal,
// nothing applied when any part is refused, and the emulator's own variables never overridden.
import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { serveControlPlane } from "../local/mod.ts";
import { lambdaClient, ROLE, WAITING } from "./_control_plane.ts";
import { shellZip } from "./_shell_function.ts";

const zip = shellZip();
const RESERVED_MESSAGE =
  "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ";

function creation(
  FunctionName: string,
  more: Partial<CreateFunctionCommandInput> = {},
): CreateFunctionCommand {
  return new CreateFunctionCommand({
    FunctionName,
    Role: ROLE,
    Runtime: "provided.al2023",
    Handler: "bootstrap",
    Code: { ZipFile: zip },
    ...more,
  });
}

Deno.test("the control plane refuses what Lambda refuses, in Lambda's words", async (t) => {
  await using plane = await serveControlPlane({
    port: 0,
    region: "eu-west-1",
    output: () => {},
  });
  const lambda = lambdaClient(plane.url);
  const refused = async (
    command: CreateFunctionCommand | UpdateFunctionConfigurationCommand,
    name: string,
    message: string,
  ) => {
    // deno-lint-ignore no-explicit-any
    await assert.rejects(lambda.send(command as any), { name, message });
  };
  try {
    await t.step(
      "reserved variables are an InvalidParameterValueException naming them",
      async () => {
        await refused(
          creation("reserved", {
            Environment: {
              Variables: {
                AWS_LAMBDA_RUNTIME_API: "127.0.0.1:1",
                LAMBDA_TASK_ROOT: "/",
                FINE: "yes",
              },
            },
          }),
          "InvalidParameterValueException",
          `${RESERVED_MESSAGE}AWS_LAMBDA_RUNTIME_API, LAMBDA_TASK_ROOT`,
        );
        for (
          const name of [
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_EXECUTION_ENV",
            "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE",
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "LAMBDA_RUNTIME_DIR",
          ]
        ) {
          await refused(
            creation("reserved", {
              Environment: { Variables: { [name]: "x" } },
            }),
            "InvalidParameterValueException",
            `${RESERVED_MESSAGE}${name}`,
          );
        }
        // Names starting with "_" fail the model's name pattern before the reserved check.
        for (const name of ["_HANDLER", "_X_AMZN_TRACE_ID"]) {
          await refused(
            creation("reserved", {
              Environment: { Variables: { [name]: "x" } },
            }),
            "ValidationException",
            "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
          );
        }
      },
    );

    await t.step(
      "a variable whose value is an object is refused, not stored as [object Object]",
      async () => {
        const response = await fetch(`${plane.url}/2015-03-31/functions`, {
          method: "POST",
          body: JSON.stringify({
            FunctionName: "object-value",
            Role: ROLE,
            Code: { ZipFile: btoa(String.fromCharCode(...zip)) },
            Environment: { Variables: { NESTED: { a: 1 } } },
          }),
        });
        assert.equal(response.status, 400);
        assert.equal(
          response.headers.get("x-amzn-errortype"),
          "InvalidRequestContentException",
        );
        assert.match((await response.json()).message, /java\.lang\.String/);
        const listed = await (await fetch(`${plane.url}/2015-03-31/functions`))
          .json();
        assert.deepEqual(listed.Functions, []);
      },
    );

    await t.step(
      "an architecture other than x86_64 and arm64 is a ValidationException",
      async () => {
        await refused(
          // deno-lint-ignore no-explicit-any
          creation("sparc", { Architectures: ["sparc" as any] }),
          "ValidationException",
          "1 validation error detected: Value '[sparc]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]",
        );
      },
    );

    await t.step(
      "memory, timeout, runtime and handler outside the model are ValidationExceptions, all named at once",
      async () => {
        await refused(
          creation("limits", { MemorySize: 64 }),
          "ValidationException",
          "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
        );
        await refused(
          creation("limits", { MemorySize: 10241, Timeout: 901 }),
          "ValidationException",
          "2 validation errors detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900; " +
            "Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240",
        );
        await assert.rejects(
          // deno-lint-ignore no-explicit-any
          lambda.send(creation("limits", { Runtime: "deno2" as any })),
          {
            name: "ValidationException",
            message:
              /^1 validation error detected: Value 'deno2' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[.*provided\.al2023.*\]$/,
          },
        );
        await refused(
          creation("limits", { Handler: "two words" }),
          "ValidationException",
          "1 validation error detected: Value 'two words' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+",
        );
      },
    );

    await t.step(
      "variables over 4 KB are an InvalidParameterValueException",
      async () => {
        await assert.rejects(
          lambda.send(
            creation("big", {
              Environment: { Variables: { BIG: "x".repeat(4096) } },
            }),
          ),
          {
            name: "InvalidParameterValueException",
            message:
              /^Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit\. String measured: \{"BIG":"x+"\}$/,
          },
        );
      },
    );

    await t.step(
      "a valid function runs with its variables, and Lambda's own stay the emulator's",
      async () => {
        await lambda.send(
          creation("valid", {
            Handler: "main.handler",
            Environment: {
              // A number reads as its text, as Lambda's parser reads it.
              // deno-lint-ignore no-explicit-any
              Variables: { GREETING: "hello", COUNT: 3 as any },
            },
          }),
        );
        await waitUntilFunctionActiveV2(
          { client: lambda, ...WAITING },
          { FunctionName: "valid" },
        );
        const result = await lambda.send(
          new InvokeCommand({ FunctionName: "valid", Payload: '{"n":1}' }),
        );
        const answer = JSON.parse(new TextDecoder().decode(result.Payload));
        assert.deepEqual(answer.event, { n: 1 });
        assert.equal(answer.env.GREETING, "hello");
        assert.equal(answer.env.COUNT, "3");
        assert.equal(answer.env.AWS_REGION, "eu-west-1");
        assert.equal(answer.env._HANDLER, "main.handler");
        assert.equal(answer.env.AWS_LAMBDA_FUNCTION_NAME, "valid");
        assert.match(answer.env.AWS_LAMBDA_RUNTIME_API, /^127\.0\.0\.1:\d+$/);
      },
    );

    await t.step(
      "UpdateFunctionConfiguration refuses a reserved variable and applies none of a refused request",
      async () => {
        await refused(
          new UpdateFunctionConfigurationCommand({
            FunctionName: "valid",
            Environment: { Variables: { AWS_REGION: "us-west-2" } },
          }),
          "InvalidParameterValueException",
          `${RESERVED_MESSAGE}AWS_REGION`,
        );
        await assert.rejects(
          lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: "valid",
              Timeout: 30,
              MemorySize: 64,
            }),
          ),
          { name: "ValidationException" },
        );
        await waitUntilFunctionUpdatedV2(
          { client: lambda, ...WAITING },
          { FunctionName: "valid" },
        );
        const got = await lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName: "valid" }),
        );
        assert.equal(got.Timeout, 3);
        assert.equal(got.MemorySize, 128);
        assert.deepEqual(got.Environment?.Variables, {
          GREETING: "hello",
          COUNT: "3",
        });
      },
    );
  } finally {
    lambda.destroy();
  }
});
