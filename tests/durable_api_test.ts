// The durable API driven by AWS's own Lambda client against the control plane: a durable function (a
// real process speaking the durable protocol) runs a step, waits three days on a clock the test moves,
// waits for a callback, and ends; each step of it is seen through GetDurableExecution(History).
import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  ListDurableExecutionsByFunctionCommand,
  SendDurableExecutionCallbackSuccessCommand,
  waitUntilFunctionActiveV2,
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
const decoder = new TextDecoder();

Deno.test("a durable execution runs a step once, waits three days on the engine's clock, and ends with its callback's result", async () => {
  const clock = new TestClock();
  const work = await Deno.makeTempDir({ prefix: "durable-api-" });
  const lines: string[] = [];
  await using server = await serveControlPlane({
    port: 0,
    durable: { clock },
    output: (line) => lines.push(line),
  });
  const lambda = durableClient(server.url);
  await createDurable(lambda, "order", fixtureZip("durable_manual.ts"), {
    ExecutionTimeout: 7 * 86400,
    RetentionPeriodInDays: 1,
  });
  const input = { marks: `${work}/marks`, wait: 3 * 86400, callback: {} };
  const started = await lambda.send(
    new InvokeCommand({
      FunctionName: "order",
      InvocationType: "Event",
      DurableExecutionName: "order-1",
      Payload: encoder.encode(JSON.stringify(input)),
    }),
  );
  assert.equal(started.StatusCode, 202);
  const arn = started.DurableExecutionArn!;
  assert.match(arn, /:function:order:\$LATEST\/durable-execution\/order-1\//);

  const history = async () =>
    (await lambda.send(
      new GetDurableExecutionHistoryCommand({
        DurableExecutionArn: arn,
        IncludeExecutionData: true,
      }),
    )).Events ?? [];
  const waitStarted = await until(
    async () => (await history()).find((e) => e.EventType === "WaitStarted"),
    "the wait to start",
  );
  assert.equal(waitStarted.WaitStartedDetails?.Duration, 3 * 86400);
  assert.equal(
    waitStarted.WaitStartedDetails?.ScheduledEndTimestamp?.getTime(),
    clock.now() + 3 * 86400 * 1000,
  );
  clock.advance(3 * 86400 * 1000);
  const callback = await until(
    async () =>
      (await history()).find((e) => e.EventType === "CallbackStarted"),
    "the callback to start",
  );
  const running = await lambda.send(
    new GetDurableExecutionCommand({ DurableExecutionArn: arn }),
  );
  assert.equal(running.Status, "RUNNING");
  assert.equal(running.DurableExecutionName, "order-1");
  assert.deepEqual(JSON.parse(running.InputPayload!), input);

  await lambda.send(
    new SendDurableExecutionCallbackSuccessCommand({
      CallbackId: callback.CallbackStartedDetails!.CallbackId!,
      Result: encoder.encode('"approved"'),
    }),
  );
  const done = await until(async () => {
    const execution = await lambda.send(
      new GetDurableExecutionCommand({ DurableExecutionArn: arn }),
    );
    return execution.Status === "RUNNING" ? undefined : execution;
  }, "the execution to end");
  assert.equal(done.Status, "SUCCEEDED");
  assert.deepEqual(JSON.parse(done.Result!), {
    done: true,
    callback: '"approved"',
  });
  assert.ok(done.EndTimestamp instanceof Date);

  // Three invocations (start, after the wait, after the callback); the step really ran once.
  assert.equal(await Deno.readTextFile(`${work}/marks`), "one\n");
  const types = (await history()).map((e) => e.EventType);
  assert.deepEqual(types.filter((t) => t !== "InvocationCompleted"), [
    "ExecutionStarted",
    "StepSucceeded",
    "WaitStarted",
    "WaitSucceeded",
    "CallbackStarted",
    "CallbackSucceeded",
    "ExecutionSucceeded",
  ]);
  assert.equal(types.filter((t) => t === "InvocationCompleted").length, 3);

  const listed = await lambda.send(
    new ListDurableExecutionsByFunctionCommand({ FunctionName: "order" }),
  );
  assert.deepEqual(
    listed.DurableExecutions?.map((e) => [e.DurableExecutionName, e.Status]),
    [["order-1", "SUCCEEDED"]],
  );
  assert.equal(
    lines.some((line) => line.includes("order-1 of order: SUCCEEDED")),
    true,
  );
  await Deno.remove(work, { recursive: true });
});

Deno.test("a synchronous invoke of a durable function answers once its execution ends: its result, or its error as a function error", async () => {
  const work = await Deno.makeTempDir({ prefix: "durable-sync-" });
  await using server = await serveControlPlane({
    port: 0,
    durable: { time: "fast" },
    output: () => {},
  });
  const lambda = durableClient(server.url);
  await createDurable(lambda, "order", fixtureZip("durable_manual.ts"), {
    ExecutionTimeout: 7 * 86400,
    RetentionPeriodInDays: 1,
  });
  const answered = await lambda.send(
    new InvokeCommand({
      FunctionName: "order",
      Payload: encoder.encode(
        JSON.stringify({ marks: `${work}/a`, wait: 86400 }),
      ),
    }),
  );
  assert.equal(answered.StatusCode, 200);
  assert.equal(answered.FunctionError, undefined);
  assert.equal(answered.ExecutedVersion, "$LATEST");
  assert.match(answered.DurableExecutionArn!, /\/durable-execution\//);
  assert.deepEqual(JSON.parse(decoder.decode(answered.Payload)), {
    done: true,
  });
  // A chained invoke of another function: the execution waits for its answer, then carries on.
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: "shell",
      Role: ROLE,
      Runtime: "provided.al2023",
      Handler: "bootstrap",
      Code: { ZipFile: shellZip("chained") },
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, ...WAITING }, {
    FunctionName: "shell",
  });
  const chained = await lambda.send(
    new InvokeCommand({
      FunctionName: "order",
      Payload: encoder.encode(JSON.stringify({
        marks: `${work}/c`,
        chain: { FunctionName: "shell", Payload: '{"n":1}' },
      })),
    }),
  );
  const answer = JSON.parse(decoder.decode(chained.Payload));
  assert.deepEqual(JSON.parse(answer.chained).event, { n: 1 });
  assert.equal(JSON.parse(answer.chained).tag, "chained");
  // A callback that times out at once fails the execution: the caller sees Lambda's function error.
  const failed = await lambda.send(
    new InvokeCommand({
      FunctionName: "order",
      Payload: encoder.encode(
        JSON.stringify({
          marks: `${work}/b`,
          callback: { TimeoutSeconds: 0.001 },
        }),
      ),
    }),
  );
  assert.equal(failed.FunctionError, "Unhandled");
  assert.deepEqual(JSON.parse(decoder.decode(failed.Payload)), {
    errorType: "Callback.Timeout",
    errorMessage: "Callback timed out",
  });
  await Deno.remove(work, { recursive: true });
});
