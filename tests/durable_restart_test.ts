// An execution survives the emulator: killed (SIGKILL) while its handler waits three days, the emulator
// starts again on the same state folder with --durable-time fast; once the function is deployed again the
// wait fires, the handler replays from its checkpoints and ends, its completed step never run again.
import assert from "node:assert/strict";
import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
} from "npm:@aws-sdk/client-lambda@3.1178.0";
import { startControlPlane } from "./_control_plane.ts";
import { createDurable, durableClient, fixtureZip, until } from "./_durable.ts";

Deno.test("a waiting execution resumes after the emulator is killed and started again", async () => {
  const work = await Deno.makeTempDir({ prefix: "durable-restart-" });
  const state = `${work}/state`;
  const zip = fixtureZip("durable_manual.ts");
  const config = { ExecutionTimeout: 7 * 86400, RetentionPeriodInDays: 1 };
  const input = { marks: `${work}/marks`, wait: 3 * 86400 };
  let arn: string;
  {
    const first = await startControlPlane([
      "--durable-state-dir",
      state,
      "--durable-time",
      "real",
    ]);
    try {
      const lambda = durableClient(first.url);
      await createDurable(lambda, "sleeper", zip, config);
      const started = await lambda.send(
        new InvokeCommand({
          FunctionName: "sleeper",
          InvocationType: "Event",
          Payload: new TextEncoder().encode(JSON.stringify(input)),
        }),
      );
      arn = started.DurableExecutionArn!;
      await until(async () =>
        (await lambda.send(
          new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }),
        )).Events?.find((e) => e.EventType === "WaitStarted"), "the wait");
    } finally {
      await first.kill("SIGKILL");
    }
  }
  await using second = await startControlPlane([
    "--durable-state-dir",
    state,
    "--durable-time",
    "fast",
  ]);
  const lambda = durableClient(second.url);
  const kept = await lambda.send(
    new GetDurableExecutionCommand({ DurableExecutionArn: arn }),
  );
  assert.equal(kept.Status, "RUNNING");
  await createDurable(lambda, "sleeper", zip, config);
  const done = await until(async () => {
    const e = await lambda.send(
      new GetDurableExecutionCommand({ DurableExecutionArn: arn }),
    );
    return e.Status === "RUNNING" ? undefined : e;
  }, "the execution to end");
  assert.equal(done.Status, "SUCCEEDED");
  assert.equal(await Deno.readTextFile(input.marks), "one\n");
  assert.match(
    second.output(),
    /Durable execution [^:]+: wait of 3 days skipped \(--durable-time fast\)/,
  );
  await Deno.remove(work, { recursive: true });
});
