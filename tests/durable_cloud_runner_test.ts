// AWS's own cloud test runner (CloudDurableTestRunner from @aws/durable-execution-sdk-js-testing),
// pointed at the local endpoint as it would be at AWS: it invokes the durable function, follows its
// history, completes its callback, and reads its result and operations.
import assert from "node:assert/strict";
import {
  CloudDurableTestRunner,
  InvocationType,
  WaitingOperationStatus,
} from "npm:@aws/durable-execution-sdk-js-testing@1.1.4";
import { serveControlPlane } from "../local/mod.ts";
import { createDurable, durableClient, fixtureZip } from "./_durable.ts";

Deno.test("CloudDurableTestRunner runs a durable function against the local endpoint", async () => {
  const work = await Deno.makeTempDir({ prefix: "durable-cloud-runner-" });
  await using server = await serveControlPlane({
    port: 0,
    durable: { time: "fast" },
    output: () => {},
  });
  const client = durableClient(server.url);
  await createDurable(client, "sdk", fixtureZip("durable_sdk.ts"), {
    ExecutionTimeout: 7 * 86400,
    RetentionPeriodInDays: 1,
  });
  const runner = new CloudDurableTestRunner<Record<string, unknown>>({
    functionName: "sdk",
    // deno-lint-ignore no-explicit-any
    client: client as any,
    // A synchronous invoke returns once the execution ends, which here waits for the callback.
    config: { pollInterval: 50, invocationType: InvocationType.Event },
  });
  const approve = runner.getOperation("approve");
  const running = runner.run({ payload: { marks: `${work}/marks` } });
  const callback = await approve.waitForData(WaitingOperationStatus.SUBMITTED);
  await callback.sendCallbackSuccess('"yes"');
  const result = await running;
  assert.equal(result.getStatus(), "SUCCEEDED");
  const { first, charged, approval } = result.getResult()!;
  assert.deepEqual({ first, charged, approval }, {
    first: { reserved: true },
    charged: "charged",
    approval: '"yes"',
  });
  assert.equal(runner.getOperation("reserve").getStatus(), "SUCCEEDED");
  await Deno.remove(work, { recursive: true });
});
