// A durable handler written with AWS's SDK unchanged (tests/fixtures/durable), built with the portable build
// and run from its unzipped zip as Lambda would: given a durable invocation's input through the Runtime API,
// it checkpoints to the Lambda endpoint its environment names and answers as the durable protocol says.
// The Lambda API here is a small loopback server that records what the SDK sends (a unit-level check of
// the function's side); the end-to-end runs are against the local Lambda's durable engine.
import assert from "node:assert/strict";
import { sharedPortableZip } from "./_echo_build.ts";
import { chmodTree, lambdaLike, taskRoot } from "./_unzipped_artifact.ts";
import {
  checkpointApi,
  durableInput,
  type Update,
} from "./fixtures/durable/protocol.ts";

const zipPath = await sharedPortableZip("tests/fixtures/durable/main.ts");

/** The function's environment for an endpoint: some credentials to sign with, as Lambda gives. */
function endpointEnv(variable: string, url: string): Record<string, string> {
  return {
    [variable]: url,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
  };
}

/** Every update the SDK sent, as `TYPE ACTION name`. */
function actions(updates: Update[]): string[] {
  return updates.map((u) => `${u.Type} ${u.Action} ${u.Name ?? ""}`.trim());
}

Deno.test("the built durable handler runs from its unzipped zip and checkpoints to its Lambda endpoint", async (t) => {
  const work = await Deno.makeTempDir({ prefix: "durable-artifact-" });
  try {
    const task = await taskRoot(zipPath, work);
    const output: string[] = [];
    const audit = `${work}/audit.jsonl`;
    await using api = checkpointApi();
    await using emulator = await lambdaLike(task, output, {
      functionName: "durable",
      env: {
        ...endpointEnv("AWS_ENDPOINT_URL_LAMBDA", api.url),
        DENO_AUDIT_PERMISSIONS: audit,
        // Set but outside the grant: reads as unset, so the SDK stays quiet.
        DURABLE_VERBOSE_MODE: "true",
      },
    });
    const invoke = async (input: unknown) => {
      const response = await emulator.invoke(JSON.stringify(input));
      assert.equal(response.status, 200, output.join("\n"));
      assert.equal(response.headers.get("x-amz-function-error"), null);
      return await response.json();
    };
    let stepId = "";

    await t.step(
      "a first invocation checkpoints its step with the token it was given (AWS_ENDPOINT_URL_LAMBDA) and answers SUCCEEDED",
      async () => {
        const answer = await invoke(durableInput({ n: 21 }));
        assert.deepEqual(answer, {
          Status: "SUCCEEDED",
          Result: JSON.stringify({ doubled: 42 }),
        }, output.join("\n"));
        assert.equal(api.checkpoints.length, 1);
        const [checkpoint] = api.checkpoints;
        assert.equal(checkpoint.arn, durableInput({}).DurableExecutionArn);
        assert.equal(checkpoint.body.CheckpointToken, "token-0");
        assert.deepEqual(actions(checkpoint.body.Updates), [
          "STEP START double",
          "STEP SUCCEED double",
        ]);
        assert.equal(checkpoint.body.Updates[1].Payload, "42");
        stepId = checkpoint.body.Updates[1].Id;
      },
    );

    await t.step(
      "a replay takes the step's result from the state it was given and checkpoints nothing",
      async () => {
        api.checkpoints.length = 0;
        const answer = await invoke(durableInput({ n: 21 }, [{
          Id: stepId,
          Type: "STEP",
          SubType: "Step",
          Name: "double",
          Status: "SUCCEEDED",
          StepDetails: { Attempt: 1, Result: "42" },
        }]));
        assert.deepEqual(answer, {
          Status: "SUCCEEDED",
          Result: JSON.stringify({ doubled: 42 }),
        });
        assert.deepEqual(api.checkpoints, []);
      },
    );

    await t.step(
      "a wait is checkpointed with its seconds and the invocation answers PENDING",
      async () => {
        api.checkpoints.length = 0;
        const answer = await invoke(durableInput({ n: 1, waitSeconds: 3600 }));
        assert.deepEqual(answer, { Status: "PENDING" });
        const updates = api.checkpoints.flatMap((c) => c.body.Updates);
        assert.deepEqual(actions(updates), [
          "STEP START double",
          "STEP SUCCEED double",
          "WAIT START",
        ]);
        assert.deepEqual(updates[2].WaitOptions, { WaitSeconds: 3600 });
      },
    );

    await t.step(
      "the SDK's own variables outside the grant read as unset: the audit lists them, nothing was refused",
      async () => {
        const reads = (await Deno.readTextFile(audit)).trim().split("\n")
          .map((line) => JSON.parse(line))
          .filter((entry) => entry.permission === "env")
          .map((entry) => entry.value);
        assert.ok(reads.includes("DURABLE_VERBOSE_MODE"), reads.join(", "));
        assert.ok(reads.includes("DURABLE_EXECUTION_PLUGINS"));
        // Verbose mode would log each operation with an emoji prefix.
        assert.ok(
          !output.some((line) =>
            line.includes("Initializing durable function")
          ),
          output.join("\n"),
        );
      },
    );

    await t.step(
      "AWS_ENDPOINT_URL serves when no Lambda-specific endpoint is set",
      async () => {
        await using other = checkpointApi();
        const lines: string[] = [];
        await using second = await lambdaLike(task, lines, {
          functionName: "durable",
          env: endpointEnv("AWS_ENDPOINT_URL", other.url),
        });
        const response = await second.invoke(
          JSON.stringify(durableInput({ n: 2 })),
        );
        assert.equal((await response.json()).Status, "SUCCEEDED");
        assert.equal(other.checkpoints.length, 1, lines.join("\n"));
      },
    );
  } finally {
    await chmodTree(work, (mode) => mode | 0o200);
    await Deno.remove(work, { recursive: true });
  }
});
