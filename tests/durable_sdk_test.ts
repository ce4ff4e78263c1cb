// AWS's durable execution SDK, unchanged, under the local Lambda: its steps, retry, wait of days and
// callback run against the control plane's durable engine with --durable-time fast behaviour.
import assert from "node:assert/strict";
import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from "npm:@aws-sdk/client-lambda@3.1178.0";
import { serveControlPlane } from "../local/mod.ts";
import { createDurable, durableClient, fixtureZip, until } from "./_durable.ts";

Deno.test("a handler written with @aws/durable-execution-sdk-js runs to its end on the local durable engine", async () => {
  const work = await Deno.makeTempDir({ prefix: "durable-sdk-" });
  const lines: string[] = [];
  await using server = await serveControlPlane({
    port: 0,
    durable: { time: "fast" },
    output: (line) => lines.push(line),
  });
  const lambda = durableClient(server.url);
  await createDurable(lambda, "sdk", fixtureZip("durable_sdk.ts"), {
    ExecutionTimeout: 7 * 86400,
    RetentionPeriodInDays: 1,
  });
  const marks = `${work}/marks`;
  const started = await lambda.send(
    new InvokeCommand({
      FunctionName: "sdk",
      InvocationType: "Event",
      Payload: new TextEncoder().encode(JSON.stringify({ marks })),
    }),
  );
  const arn = started.DurableExecutionArn!;
  const history = async () =>
    (await lambda.send(
      new GetDurableExecutionHistoryCommand({
        DurableExecutionArn: arn,
        IncludeExecutionData: true,
      }),
    )).Events ?? [];
  const callback = await until(async () => {
    const events = await history();
    const failed = events.find((e) => e.EventType === "ExecutionFailed");
    if (failed) throw new Error(JSON.stringify(failed) + lines.join("\n"));
    return events.find((e) => e.EventType === "CallbackStarted");
  }, "the callback to start");
  await lambda.send(
    new SendDurableExecutionCallbackSuccessCommand({
      CallbackId: callback.CallbackStartedDetails!.CallbackId!,
      Result: new TextEncoder().encode('"yes"'),
    }),
  );
  const done = await until(async () => {
    const e = await lambda.send(
      new GetDurableExecutionCommand({ DurableExecutionArn: arn }),
    );
    return e.Status === "RUNNING" ? undefined : e;
  }, "the execution to end");
  assert.equal(
    done.Status,
    "SUCCEEDED",
    JSON.stringify(done.Error) + lines.join("\n"),
  );
  const result = JSON.parse(done.Result!);
  assert.deepEqual(result.first, { reserved: true });
  assert.equal(result.charged, "charged");
  // waitForCallback hands back the callback's result as sent.
  assert.equal(result.approval, '"yes"');
  // Each step ran only as often as it had to: replays read its checkpoint.
  assert.equal(await Deno.readTextFile(marks), "reserve\ncharge\ncharge\n");
  assert.ok(
    lines.some((line) =>
      /wait of 3 days skipped \(--durable-time fast\)/.test(line)
    ),
    lines.join("\n"),
  );
  await Deno.remove(work, { recursive: true });
});
