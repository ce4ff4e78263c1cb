// Time in the durable engine, on a clock the test moves: a callback's heartbeat timeout restarts with each
// heartbeat and then closes it TIMED_OUT; a step's retry delay makes it READY; the execution timeout
// closes a waiting execution TIMED_OUT; and the state machine moves only from RUNNING.
import assert from "node:assert/strict";
import {
  CallbackTimeoutException,
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  type LambdaClient,
  SendDurableExecutionCallbackHeartbeatCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from "npm:@aws-sdk/client-lambda@3.1178.0";
import { serveControlPlane } from "../local/mod.ts";
import {
  ExecutionClosedError,
  transition,
} from "../local/src/durable/execution_state.ts";
import {
  createDurable,
  durableClient,
  fixtureZip,
  TestClock,
  until,
} from "./_durable.ts";

const encoder = new TextEncoder();

async function start(lambda: LambdaClient, input: unknown): Promise<string> {
  const started = await lambda.send(
    new InvokeCommand({
      FunctionName: "flow",
      InvocationType: "Event",
      Payload: encoder.encode(JSON.stringify(input)),
    }),
  );
  return started.DurableExecutionArn!;
}

function events(lambda: LambdaClient, arn: string) {
  return lambda.send(
    new GetDurableExecutionHistoryCommand({
      DurableExecutionArn: arn,
      IncludeExecutionData: true,
    }),
  ).then((answer) => answer.Events ?? []);
}

function ended(lambda: LambdaClient, arn: string) {
  return until(async () => {
    const e = await lambda.send(
      new GetDurableExecutionCommand({ DurableExecutionArn: arn }),
    );
    return e.Status === "RUNNING" ? undefined : e;
  }, "the execution to end");
}

Deno.test("durable deadlines fire on the engine's clock", async (t) => {
  const clock = new TestClock();
  const work = await Deno.makeTempDir({ prefix: "durable-time-" });
  await using server = await serveControlPlane({
    port: 0,
    durable: { clock },
    output: () => {},
  });
  const lambda = durableClient(server.url);
  await createDurable(lambda, "flow", fixtureZip("durable_manual.ts"), {
    ExecutionTimeout: 86400,
    RetentionPeriodInDays: 1,
  });

  await t.step(
    "each heartbeat restarts the heartbeat timeout; without one the callback times out",
    async () => {
      const arn = await start(lambda, {
        marks: `${work}/a`,
        callback: { HeartbeatTimeoutSeconds: 60, TimeoutSeconds: 3600 },
      });
      const started = await until(
        async () =>
          (await events(lambda, arn)).find((e) =>
            e.EventType === "CallbackStarted"
          ),
        "the callback",
      );
      assert.equal(started.CallbackStartedDetails?.HeartbeatTimeout, 60);
      const CallbackId = started.CallbackStartedDetails!.CallbackId!;
      for (let i = 0; i < 3; i++) {
        clock.advance(50_000);
        await lambda.send(
          new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId }),
        );
      }
      // 150 s since it started, never 60 s without a heartbeat.
      const still = await lambda.send(
        new GetDurableExecutionCommand({ DurableExecutionArn: arn }),
      );
      assert.equal(still.Status, "RUNNING");
      clock.advance(60_000);
      const failed = await ended(lambda, arn);
      assert.equal(failed.Status, "FAILED");
      assert.equal(
        failed.Error?.ErrorMessage,
        "Callback timed out on heartbeat",
      );
      const error = await lambda.send(
        new SendDurableExecutionCallbackSuccessCommand({
          CallbackId,
          Result: encoder.encode("1"),
        }),
      ).then(() => undefined, (e) => e);
      assert.ok(error instanceof CallbackTimeoutException, String(error));
    },
  );

  await t.step("a step's retry waits its delay, then runs again", async () => {
    const arn = await start(lambda, { marks: `${work}/b`, retry: true });
    await until(
      async () =>
        (await events(lambda, arn)).find((e) =>
          e.EventType === "StepFailed" && e.Id === "r"
        ),
      "the first attempt to fail",
    );
    clock.advance(3_599_000);
    const waiting = await lambda.send(
      new GetDurableExecutionCommand({ DurableExecutionArn: arn }),
    );
    assert.equal(waiting.Status, "RUNNING");
    clock.advance(1_000);
    const done = await ended(lambda, arn);
    assert.equal(done.Status, "SUCCEEDED");
    const retried = (await events(lambda, arn)).filter((e) => e.Id === "r");
    assert.deepEqual(retried.map((e) => e.EventType), [
      "StepFailed",
      "StepSucceeded",
    ]);
    assert.deepEqual(retried[0].StepFailedDetails?.RetryDetails, {
      CurrentAttempt: 1,
      NextAttemptDelaySeconds: 3600,
    });
  });

  await t.step(
    "the execution timeout closes a waiting execution TIMED_OUT",
    async () => {
      const arn = await start(lambda, { marks: `${work}/c`, wait: 2 * 86400 });
      await until(
        async () =>
          (await events(lambda, arn)).find((e) =>
            e.EventType === "WaitStarted"
          ),
        "the wait",
      );
      clock.advance(86400 * 1000);
      const timedOut = await ended(lambda, arn);
      assert.equal(timedOut.Status, "TIMED_OUT");
      assert.equal(
        (await events(lambda, arn)).at(-1)?.EventType,
        "ExecutionTimedOut",
      );
    },
  );
  await Deno.remove(work, { recursive: true });
});

Deno.test("an execution's state moves from RUNNING once, stamped by the injected clock", () => {
  const running = { status: "RUNNING" } as const;
  const done = transition(running, { kind: "succeed", result: "1" }, 42);
  assert.deepEqual(done, { status: "SUCCEEDED", result: "1", end: 42 });
  assert.equal(
    transition(running, { kind: "time-out" }, 7).status,
    "TIMED_OUT",
  );
  assert.throws(
    () => transition(done, { kind: "stop", error: undefined }, 43),
    ExecutionClosedError,
  );
});
