// Bad input to the durable API, each answered with Lambda's error type: a consumed or unknown checkpoint
// token, an unknown execution ARN, a callback id that does not exist or already completed, payloads over
// Lambda's limits, durable parameters for a function that is not durable, and an execution name reused
// with another input.
import assert from "node:assert/strict";
import {
  CheckpointDurableExecutionCommand,
  CreateFunctionCommand,
  DurableExecutionAlreadyStartedException,
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  GetDurableExecutionStateCommand,
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  InvokeCommand,
  type LambdaClient,
  ListDurableExecutionsByFunctionCommand,
  ResourceNotFoundException,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackSuccessCommand,
  StopDurableExecutionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from "npm:@aws-sdk/client-lambda@3.1178.0";
import { serveControlPlane } from "../local/mod.ts";
import { ROLE, WAITING } from "./_control_plane.ts";
import { shellZip } from "./_shell_function.ts";
import {
  createDurable,
  durableClient,
  fixtureZip,
  TestClock,
  until,
} from "./_durable.ts";

const encoder = new TextEncoder();

/** Starts an execution of `fn` that waits on a callback; its ARN and callback id once started. */
async function waitingOnCallback(
  lambda: LambdaClient,
  fn: string,
  input: Record<string, unknown>,
  name?: string,
) {
  const started = await lambda.send(
    new InvokeCommand({
      FunctionName: fn,
      InvocationType: "Event",
      DurableExecutionName: name,
      Payload: encoder.encode(JSON.stringify(input)),
    }),
  );
  const arn = started.DurableExecutionArn!;
  const event = await until(async () =>
    (await lambda.send(
      new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }),
    )).Events?.find((e) => e.EventType === "CallbackStarted"), "a callback");
  return { arn, callbackId: event.CallbackStartedDetails!.CallbackId! };
}

async function refused<T extends Error>(
  send: Promise<unknown>,
  type: new (...args: never[]) => T,
  message?: RegExp,
): Promise<T> {
  const error = await send.then(() => undefined, (e) => e);
  assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
  if (message !== undefined) assert.match(error.message, message);
  return error;
}

Deno.test("bad input to the durable API gets Lambda's error types", async (t) => {
  const work = await Deno.makeTempDir({ prefix: "durable-errors-" });
  await using server = await serveControlPlane({
    port: 0,
    durable: { clock: new TestClock() },
    output: () => {},
  });
  const lambda = durableClient(server.url);
  await createDurable(lambda, "flow", fixtureZip("durable_manual.ts"));
  const marks = `${work}/marks`;
  const { arn, callbackId } = await waitingOnCallback(lambda, "flow", {
    marks,
    callback: {},
  }, "first");

  await t.step("a consumed checkpoint token is refused", async () => {
    // The invocation's first token was consumed by its step's checkpoint.
    const [first] = (await Deno.readTextFile(`${marks}.tokens`)).split("\n");
    await refused(
      lambda.send(
        new CheckpointDurableExecutionCommand({
          DurableExecutionArn: arn,
          CheckpointToken: first,
          Updates: [{ Id: "x", Type: "STEP", Action: "SUCCEED" }],
        }),
      ),
      InvalidParameterValueException,
      /^Invalid checkpoint token$/,
    );
    await refused(
      lambda.send(
        new GetDurableExecutionStateCommand({
          DurableExecutionArn: arn,
          CheckpointToken: "bm90LWEtdG9rZW4=",
        }),
      ),
      InvalidParameterValueException,
      /^Invalid checkpoint token$/,
    );
  });

  await t.step(
    "an unknown execution ARN is ResourceNotFoundException",
    async () => {
      const unknown = `${arn.slice(0, arn.lastIndexOf("/"))}/nope`;
      await refused(
        lambda.send(
          new GetDurableExecutionCommand({ DurableExecutionArn: unknown }),
        ),
        ResourceNotFoundException,
      );
      await refused(
        lambda.send(
          new StopDurableExecutionCommand({ DurableExecutionArn: unknown }),
        ),
        ResourceNotFoundException,
      );
      await refused(
        lambda.send(
          new ListDurableExecutionsByFunctionCommand({ FunctionName: "nope" }),
        ),
        ResourceNotFoundException,
      );
    },
  );

  await t.step(
    "a callback id never issued, or over 256 KB of result, is refused",
    async () => {
      await refused(
        lambda.send(
          new SendDurableExecutionCallbackSuccessCommand({
            CallbackId: "bm90LWEtY2FsbGJhY2s=",
            Result: encoder.encode("1"),
          }),
        ),
        InvalidParameterValueException,
      );
      await refused(
        lambda.send(
          new SendDurableExecutionCallbackSuccessCommand({
            CallbackId: callbackId,
            Result: new Uint8Array(262145),
          }),
        ),
        InvalidParameterValueException,
        /exceeds the maximum allowed size \(262144 bytes\)/,
      );
    },
  );

  await t.step("a callback completed already is refused", async () => {
    await lambda.send(
      new SendDurableExecutionCallbackFailureCommand({
        CallbackId: callbackId,
        Error: { ErrorType: "Rejected", ErrorMessage: "no" },
      }),
    );
    const failed = await until(async () => {
      const e = await lambda.send(
        new GetDurableExecutionCommand({ DurableExecutionArn: arn }),
      );
      return e.Status === "RUNNING" ? undefined : e;
    }, "the execution to fail");
    assert.equal(failed.Status, "FAILED");
    assert.deepEqual(failed.Error, {
      ErrorType: "Rejected",
      ErrorMessage: "no",
    });
    await refused(
      lambda.send(
        new SendDurableExecutionCallbackSuccessCommand({
          CallbackId: callbackId,
          Result: encoder.encode("1"),
        }),
      ),
      InvalidParameterValueException,
      /already completed/,
    );
  });

  await t.step(
    "a name reused with another input is DurableExecutionAlreadyStartedException; the same input finds the same execution",
    async () => {
      const same = await lambda.send(
        new InvokeCommand({
          FunctionName: "flow",
          InvocationType: "Event",
          DurableExecutionName: "first",
          Payload: encoder.encode(JSON.stringify({ marks, callback: {} })),
        }),
      );
      assert.equal(same.DurableExecutionArn, arn);
      await refused(
        lambda.send(
          new InvokeCommand({
            FunctionName: "flow",
            InvocationType: "Event",
            DurableExecutionName: "first",
            Payload: encoder.encode('{"other":true}'),
          }),
        ),
        DurableExecutionAlreadyStartedException,
      );
    },
  );

  await t.step(
    "an Event payload over 1 MB is RequestEntityTooLargeException",
    async () => {
      const error = await lambda.send(
        new InvokeCommand({
          FunctionName: "flow",
          InvocationType: "Event",
          Payload: encoder.encode(
            JSON.stringify({ pad: "x".repeat(1024 * 1024) }),
          ),
        }),
      ).then(() => undefined, (e) => e);
      assert.equal(error?.name, "RequestEntityTooLargeException");
    },
  );

  await t.step(
    "a function that is not durable refuses an execution name",
    async () => {
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: "plain",
          Role: ROLE,
          Runtime: "provided.al2023",
          Handler: "bootstrap",
          Code: { ZipFile: shellZip() },
        }),
      );
      await refused(
        lambda.send(
          new InvokeCommand({
            FunctionName: "plain",
            DurableExecutionName: "x",
            Payload: encoder.encode("{}"),
          }),
        ),
        InvalidParameterValueException,
        /only supported for durable functions/,
      );
    },
  );

  await t.step(
    "StopDurableExecution stops a running execution, once",
    async () => {
      const { arn: second } = await waitingOnCallback(lambda, "flow", {
        marks: `${work}/second`,
        callback: {},
      });
      const stopped = await lambda.send(
        new StopDurableExecutionCommand({
          DurableExecutionArn: second,
          Error: { ErrorMessage: "enough" },
        }),
      );
      assert.ok(stopped.StopTimestamp instanceof Date);
      const seen = await lambda.send(
        new GetDurableExecutionCommand({ DurableExecutionArn: second }),
      );
      assert.equal(seen.Status, "STOPPED");
      assert.equal(seen.Error?.ErrorMessage, "enough");
      await refused(
        lambda.send(
          new StopDurableExecutionCommand({ DurableExecutionArn: second }),
        ),
        InvalidParameterValueException,
      );
    },
  );
  await Deno.remove(work, { recursive: true });
});

Deno.test("DurableConfig is checked against Lambda's limits, answered by GetFunctionConfiguration, and updated", async () => {
  await using server = await serveControlPlane({ port: 0, output: () => {} });
  const lambda = durableClient(server.url);
  const error = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: "bad",
      Role: ROLE,
      Runtime: "provided.al2023",
      Handler: "bootstrap",
      Code: { ZipFile: shellZip() },
      DurableConfig: { ExecutionTimeout: 31622401, RetentionPeriodInDays: 91 },
    }),
  ).then(() => undefined, (e) => e);
  assert.equal(error?.name, "ValidationException");
  assert.match(
    error.message,
    /^2 validation errors detected: Value '31622401' at 'durableConfig.executionTimeout' failed to satisfy constraint: Member must have value less than or equal to 31622400; Value '91' at 'durableConfig.retentionPeriodInDays'/,
  );
  await createDurable(lambda, "good", shellZip(), {
    ExecutionTimeout: 900,
    RetentionPeriodInDays: 7,
  });
  const config = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: "good" }),
  );
  assert.deepEqual(config.DurableConfig, {
    ExecutionTimeout: 900,
    RetentionPeriodInDays: 7,
  });
  await lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: "good",
      DurableConfig: { ExecutionTimeout: 60 },
    }),
  );
  await waitUntilFunctionUpdatedV2({ client: lambda, ...WAITING }, {
    FunctionName: "good",
  });
  const updated = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: "good" }),
  );
  assert.deepEqual(updated.DurableConfig, {
    ExecutionTimeout: 60,
    RetentionPeriodInDays: 14,
  });
});
