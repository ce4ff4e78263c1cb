// `deno task emulator <entry> --durable`: the emulator's own function runs as a durable function, its
// sandbox reaching the durable API on its Runtime API port only; invocations start executions, waits are
// skipped with --durable-time fast, callbacks and history go through the same port's Lambda API. The order
// example, written with AWS's SDK, runs so from its .ts entry with the default grant alone.
import assert from "node:assert/strict";
import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  ListFunctionsCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from "npm:@aws-sdk/client-lambda@3.1178.0";
import { startCli } from "./_cli.ts";
import {
  durableClient,
  namesOf,
  runOrder,
  SHIPPED,
  until,
} from "./_durable.ts";

Deno.test("the emulator runs its own function as durable with --durable", async () => {
  const work = await Deno.makeTempDir({ prefix: "durable-emulator-" });
  await using emulator = await startCli(
    [
      "tests/fixtures/durable_manual.ts",
      "--durable",
      "--durable-time",
      "fast",
      "--port",
      "0",
      "--name",
      "flow",
      "--allow",
      `write=${work}`,
    ],
    /Function flow \(.*\) on (http:\/\/\S+)/,
  );
  const lambda = durableClient(emulator.url);
  const started = await lambda.send(
    new InvokeCommand({
      FunctionName: "flow",
      InvocationType: "Event",
      Payload: new TextEncoder().encode(
        JSON.stringify({
          marks: `${work}/marks`,
          wait: 3 * 86400,
          callback: {},
        }),
      ),
    }),
  );
  const arn = started.DurableExecutionArn!;
  const callback = await until(async () =>
    (await lambda.send(
      new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }),
    )).Events?.find((e) => e.EventType === "CallbackStarted"), "the callback");
  await lambda.send(
    new SendDurableExecutionCallbackSuccessCommand({
      CallbackId: callback.CallbackStartedDetails!.CallbackId!,
      Result: new TextEncoder().encode("1"),
    }),
  );
  const done = await until(async () => {
    const e = await lambda.send(
      new GetDurableExecutionCommand({ DurableExecutionArn: arn }),
    );
    return e.Status === "RUNNING" ? undefined : e;
  }, "the execution to end");
  assert.equal(done.Status, "SUCCEEDED");
  assert.equal(await Deno.readTextFile(`${work}/marks`), "one\n");
  assert.match(
    emulator.output(),
    /wait of 3 days skipped \(--durable-time fast\)/,
  );
  // Without --control-plane, the rest of the Lambda API is not served.
  const listed = await lambda.send(new ListFunctionsCommand({})).then(
    () => "served",
    () => "refused",
  );
  assert.equal(listed, "refused");
  await Deno.remove(work, { recursive: true });
});

Deno.test("the order example runs from its .ts entry with --durable and the default grant alone", async () => {
  // The SDK's import reads DURABLE_VERBOSE_MODE, outside the default grant: unset to it, not NotCapable.
  await using emulator = await startCli(
    [
      "examples/durable/main.ts",
      "--durable",
      "--durable-time",
      "fast",
      "--port",
      "0",
      "--name",
      "orders",
    ],
    /Function orders \(.*\) on (http:\/\/\S+)/,
  );
  const { done, events } = await runOrder(
    durableClient(emulator.url),
    "orders",
  );
  assert.equal(done.Status, "SUCCEEDED", emulator.output());
  assert.deepEqual(JSON.parse(done.Result!), SHIPPED);
  assert.deepEqual(namesOf(events, "WaitSucceeded"), ["cooling-off"]);
  assert.doesNotMatch(emulator.output(), /NotCapable/);
});
