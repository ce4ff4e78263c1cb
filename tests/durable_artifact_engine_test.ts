// The "a durable handler built with the default build runs from the unzipped artifact": the order
// example (examples/durable) built with the portable build, its zip given to the control plane's
// CreateFunction with a DurableConfig, runs on the local durable engine with fast time and nothing added
// (no variables, no grants): its step fails twice and succeeds, its three-day wait is skipped, its callback
// is answered with SendDurableExecutionCallbackSuccess, its fan-out packs each item, and it SUCCEEDS.
// The control plane unpacks the zip itself (with its modes) into a folder of its own and runs `bootstrap`
// there, as it runs every deployed function: the artifact tests' read-only /var/task is not how it deploys.
import assert from "node:assert/strict";
import { serveControlPlane } from "../local/mod.ts";
import { sharedPortableZip } from "./_echo_build.ts";
import {
  createDurable,
  durableClient,
  namesOf,
  runOrder,
  SHIPPED,
} from "./_durable.ts";

const zip = await Deno.readFile(
  await sharedPortableZip("examples/durable/main.ts"),
);

Deno.test("the built order example runs from its zip on the local durable engine and succeeds", async () => {
  const lines: string[] = [];
  await using server = await serveControlPlane({
    port: 0,
    durable: { time: "fast" },
    output: (line) => lines.push(line),
  });
  const lambda = durableClient(server.url);
  await createDurable(lambda, "orders", zip);
  const { done, events } = await runOrder(lambda, "orders");
  assert.equal(done.Status, "SUCCEEDED", lines.join("\n"));
  assert.deepEqual(JSON.parse(done.Result!), SHIPPED);
  const named = (type: string) => namesOf(events, type);
  assert.deepEqual(named("StepFailed"), ["charge-card", "charge-card"]);
  assert.deepEqual(named("WaitSucceeded"), ["cooling-off"]);
  assert.equal(named("CallbackSucceeded").length, 1);
  assert.ok(named("StepSucceeded").includes("pack-lamp"));
  assert.ok(
    lines.some((line) => /wait of 3 days skipped/.test(line)),
    lines.join("\n"),
  );
});
