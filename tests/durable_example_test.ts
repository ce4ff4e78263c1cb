// The issue's "the example runs end to end locally (waits skipped) with its history visible through the AWS
// CLI", with examples/durable/README.md's commands: the local Lambda with --control-plane --durable-time
// fast, the example deployed with `deno task deploy --durable-config`, order o-1 started with `deno task
// invoke --durable-execution-name o-1 --async`, approved with the command its log prints, followed with
// `deno task invoke --history ARN --watch` until it closes, and its history read with
// `aws lambda get-durable-execution-history`. (The zip is the README's build, shared with the other tests.)
import assert from "node:assert/strict";
import { awsCli, awsCliKnows } from "./_aws_cli.ts";
import { ROLE, startControlPlane } from "./_control_plane.ts";
import { until } from "./_durable.ts";
import { sharedPortableZip } from "./_echo_build.ts";
import { denoTask, type TaskRun } from "./_task.ts";

const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_REGION: "us-east-1",
};

/** The task's run, its exit code checked. */
async function ok(run: Promise<TaskRun>): Promise<TaskRun> {
  const done = await run;
  assert.equal(done.code, 0, `${done.stdout}\n${done.stderr}`);
  return done;
}

/** The callback id and data of the approval command the function logged, once it has. */
function approval(output: string): RegExpMatchArray | undefined {
  // Whole lines only: the last may still be arriving.
  const line = output.split("\n").slice(0, -1).find((l) =>
    l.includes('"approve with: ')
  );
  if (line === undefined) return undefined;
  return (JSON.parse(line).message as string).match(
    /^approve with: deno task invoke --callback-success (\S+) --data '(.*)'$/,
  ) ?? undefined;
}

Deno.test({
  name:
    "the order example runs on the local Lambda as its README says, its history read with the AWS CLI",
  ignore: !(await awsCliKnows("lambda get-durable-execution-history")),
  async fn() {
    const zip = await sharedPortableZip("examples/durable/main.ts");
    await using plane = await startControlPlane(["--durable-time", "fast"]);
    const url = plane.url;
    await ok(denoTask("deploy", [
      "--endpoint-url",
      url,
      "--name",
      "orders",
      "--role",
      ROLE,
      "--zip",
      zip,
      "--durable-config",
      "ExecutionTimeout=86400,RetentionPeriodInDays=7",
    ], CREDENTIALS));
    const started = await ok(denoTask("invoke", [
      "--name",
      "orders",
      "--data",
      '{"id":"o-1","items":["book","lamp"],"total":42}',
      "--durable-execution-name",
      "o-1",
      "--async",
      "--url",
      url,
    ]));
    const arn = started.stderr.match(/^durable execution (\S+)$/m)?.[1];
    assert.match(
      arn ?? "",
      /:function:orders:\$LATEST\/durable-execution\/o-1\//,
    );

    // The function's log (the SDK's JSON lines) prints the command that approves the order.
    const approve = await until(
      () => Promise.resolve(approval(plane.output())),
      "the approval's command in the log",
    );
    await ok(denoTask("invoke", [
      "--callback-success",
      approve[1],
      "--data",
      approve[2],
      "--url",
      url,
    ]));
    const watched = await ok(denoTask("invoke", [
      "--history",
      arn!,
      "--watch",
      "--interval",
      "100",
      "--url",
      url,
    ]));
    assert.match(watched.stdout, /ExecutionSucceeded\s+o-1/);

    const cli = await awsCli([
      "lambda",
      "get-durable-execution-history",
      "--durable-execution-arn",
      arn!,
      "--query",
      "Events[].[EventId,EventType,Name]",
    ], { endpoint: url, cwd: Deno.cwd() });
    const decoder = new TextDecoder();
    assert.equal(cli.code, 0, decoder.decode(cli.stderr));
    const events = JSON.parse(decoder.decode(cli.stdout)) as [
      number,
      string,
      string | null,
    ][];
    const named = (type: string) =>
      events.filter(([, t]) => t === type).map(([, , name]) => name);
    assert.deepEqual(named("StepFailed"), ["charge-card", "charge-card"]);
    assert.ok(named("StepSucceeded").includes("charge-card"));
    assert.deepEqual(named("WaitSucceeded"), ["cooling-off"]);
    assert.equal(named("CallbackSucceeded").length, 1);
    assert.ok(named("StepSucceeded").includes("pack-book"));
    assert.ok(named("StepSucceeded").includes("pack-lamp"));
    assert.deepEqual(named("ExecutionSucceeded"), ["o-1"]);
    assert.match(
      plane.output(),
      /wait of 3 days skipped \(--durable-time fast\)/,
    );
  },
});
