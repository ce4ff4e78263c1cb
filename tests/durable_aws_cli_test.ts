// The AWS CLI's durable commands against the local endpoint: an execution started with the CLI's invoke
// waits on a callback, which the CLI completes; its history and the function's executions read back.
import assert from "node:assert/strict";
import { serveControlPlane } from "../local/mod.ts";
import { awsCli, awsCliKnows } from "./_aws_cli.ts";
import { createDurable, durableClient, fixtureZip, until } from "./_durable.ts";

async function json(output: Promise<Deno.CommandOutput>) {
  const { code, stdout, stderr } = await output;
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return text.trim() === "" ? {} : JSON.parse(text);
}

Deno.test({
  name:
    "aws lambda's durable commands read and drive an execution on the local endpoint",
  ignore: !(await awsCliKnows("lambda get-durable-execution-history")),
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "durable-aws-cli-" });
    await using server = await serveControlPlane({
      port: 0,
      durable: { time: "fast" },
      output: () => {},
    });
    await createDurable(
      durableClient(server.url),
      "approval",
      fixtureZip("durable_manual.ts"),
    );
    const options = { endpoint: server.url, cwd: work };
    const cli = (args: string[]) => json(awsCli(["lambda", ...args], options));
    await cli([
      "invoke",
      "--function-name",
      "approval",
      "--invocation-type",
      "Event",
      "--durable-execution-name",
      "cli-1",
      "--payload",
      JSON.stringify({ marks: `${work}/marks`, callback: {} }),
      `${work}/out.json`,
    ]);
    const listed = await cli([
      "list-durable-executions-by-function",
      "--function-name",
      "approval",
    ]);
    const arn = listed.DurableExecutions[0].DurableExecutionArn;
    assert.equal(listed.DurableExecutions[0].DurableExecutionName, "cli-1");
    const callbackId = await until(async () => {
      const history = await cli([
        "get-durable-execution-history",
        "--durable-execution-arn",
        arn,
      ]);
      return history.Events.find((e: { EventType: string }) =>
        e.EventType === "CallbackStarted"
      )?.CallbackStartedDetails.CallbackId;
    }, "the callback");
    await cli([
      "send-durable-execution-callback-success",
      "--callback-id",
      callbackId,
      "--result",
      '"ok"',
    ]);
    const done = await until(async () => {
      const execution = await cli([
        "get-durable-execution",
        "--durable-execution-arn",
        arn,
      ]);
      return execution.Status === "RUNNING" ? undefined : execution;
    }, "the execution to end");
    assert.equal(done.Status, "SUCCEEDED");
    assert.deepEqual(JSON.parse(done.Result), { done: true, callback: '"ok"' });
    const history = await cli([
      "get-durable-execution-history",
      "--durable-execution-arn",
      arn,
      "--include-execution-data",
    ]);
    assert.deepEqual(
      history.Events.at(-1).ExecutionSucceededDetails.Result.Payload,
      done.Result,
    );
    await Deno.remove(work, { recursive: true });
  },
});
