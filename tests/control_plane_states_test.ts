// A function's states as Lambda has them: the lifecycle's transitions on their own, the route table without
// a server, and, through the AWS SDK against a real control plane whose functions start only when the test
// says, Pending → Active, InProgress → Successful, and the conflicts and stale revisions Lambda refuses.
import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import {
  createControlPlane,
  type DeployedFunction,
  type Runner,
  serveControlPlane,
  startEmulator,
} from "../local/mod.ts";
import {
  advance,
  type Phase,
  statusFields,
} from "../local/src/_control_plane/lifecycle.ts";
import { ROUTES } from "../local/src/_control_plane/routes.ts";
import { lambdaClient, ROLE, WAITING } from "./_control_plane.ts";
import { shellZip } from "./_shell_function.ts";

const decoder = new TextDecoder();
const ARN = "arn:aws:lambda:us-east-1:123456789012:function:f";
const IN_PROGRESS =
  `The operation cannot be performed at this time. An update is in progress for resource: ${ARN}`;

Deno.test("a function's lifecycle", async (t) => {
  const creating: Phase = { name: "creating" };
  await t.step("a creation ends Active, or Failed with its reason", () => {
    assert.deepEqual(advance(creating, { kind: "done" }, ARN), {
      name: "active",
    });
    assert.deepEqual(advance(creating, { kind: "fail", reason: "no" }, ARN), {
      name: "failed",
      reason: "no",
    });
  });
  await t.step("an update is InProgress, then Successful or Failed", () => {
    const updating = advance({ name: "active" }, { kind: "update" }, ARN);
    assert.deepEqual(updating, { name: "updating" });
    assert.deepEqual(advance(updating, { kind: "done" }, ARN), {
      name: "active",
    });
    assert.deepEqual(advance(updating, { kind: "fail", reason: "x" }, ARN), {
      name: "update-failed",
      reason: "x",
    });
    assert.deepEqual(
      advance({ name: "update-failed", reason: "x" }, { kind: "update" }, ARN),
      { name: "updating" },
    );
  });
  await t.step(
    "an update while one is in progress is Lambda's ResourceConflictException",
    () => {
      for (const busy of [creating, { name: "updating" } as const]) {
        assert.throws(() => advance(busy, { kind: "update" }, ARN), {
          name: "ResourceConflictException",
          status: 409,
          message: IN_PROGRESS,
        });
      }
    },
  );
  await t.step("a function that failed to start starts over as Pending", () => {
    assert.deepEqual(
      advance({ name: "failed", reason: "x" }, { kind: "update" }, ARN),
      creating,
    );
  });
  await t.step("nothing ends that is not in progress", () => {
    assert.throws(() => advance({ name: "active" }, { kind: "done" }, ARN));
    assert.throws(() =>
      advance(
        { name: "failed", reason: "x" },
        { kind: "fail", reason: "y" },
        ARN,
      )
    );
  });
  await t.step(
    "each phase reads as Lambda's State and LastUpdateStatus",
    () => {
      const read = (phase: Phase) => {
        const fields = statusFields(phase);
        return [fields.State, fields.LastUpdateStatus];
      };
      assert.deepEqual(read(creating), ["Pending", undefined]);
      assert.deepEqual(read({ name: "active" }), ["Active", "Successful"]);
      assert.deepEqual(read({ name: "updating" }), ["Active", "InProgress"]);
      assert.deepEqual(read({ name: "update-failed", reason: "x" }), [
        "Active",
        "Failed",
      ]);
      assert.deepEqual(read({ name: "failed", reason: "x" }), [
        "Failed",
        "Failed",
      ]);
    },
  );
});

Deno.test("the route table", async (t) => {
  await t.step("holds each operation's method and path once", () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.pattern.pathname}`);
    assert.equal(new Set(keys).size, keys.length);
  });
  // No server and no process: a runner that is never reached.
  const idle: Runner = { url: "http://127.0.0.1:9", close: async () => {} };
  await using plane = createControlPlane({
    start: () => Promise.resolve(idle),
  });
  const ask = (method: string, path: string, body?: unknown) =>
    plane.handle(
      new Request(`http://127.0.0.1${path}`, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  await t.step(
    "answers ListFunctions, with or without a trailing slash",
    async () => {
      for (const path of ["/2015-03-31/functions", "/2015-03-31/functions/"]) {
        const response = await ask("GET", path);
        assert.equal(response?.status, 200);
        assert.deepEqual(await response?.json(), { Functions: [] });
      }
    },
  );
  await t.step(
    "answers a function it does not have with Lambda's error shape",
    async () => {
      const response = await ask(
        "GET",
        "/2015-03-31/functions/nope/configuration",
      );
      assert.equal(response?.status, 404);
      assert.equal(
        response?.headers.get("x-amzn-errortype"),
        "ResourceNotFoundException",
      );
      assert.deepEqual(await response?.json(), {
        Type: "User",
        message:
          "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope",
      });
    },
  );
  await t.step(
    "passes on what is not its own: other paths, other methods, other functions' invocations",
    async () => {
      assert.equal(await ask("GET", "/elsewhere"), undefined);
      assert.equal(await ask("PATCH", "/2015-03-31/functions"), undefined);
      assert.equal(
        await ask("POST", "/2015-03-31/functions/function/invocations", {}),
        undefined,
      );
      assert.equal(await ask("GET", "/lambda-url/function/"), undefined);
    },
  );
  await t.step("routes by name, partial ARN or full ARN", async () => {
    const created = await ask("POST", "/2015-03-31/functions", {
      FunctionName: "routed",
      Role: ROLE,
      Code: { ZipFile: btoa(String.fromCharCode(...shellZip())) },
    });
    assert.equal(created?.status, 201);
    for (
      const name of [
        "routed",
        "123456789012:function:routed",
        encodeURIComponent(
          "arn:aws:lambda:us-east-1:123456789012:function:routed",
        ),
      ]
    ) {
      const got = await ask(
        "GET",
        `/2015-03-31/functions/${name}/configuration`,
      );
      assert.equal((await got?.json()).FunctionName, "routed");
    }
  });
});

/** A loopback server that holds each request until `open()`; `arrived` settles at the first. */
function heldRequest() {
  const arrived = Promise.withResolvers<void>();
  const opened = Promise.withResolvers<void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async () => {
      arrived.resolve();
      await opened.promise;
      return new Response("go");
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    arrived: arrived.promise,
    open: () => opened.resolve(),
    async [Symbol.asyncDispose]() {
      opened.resolve();
      await server.shutdown();
    },
  };
}

/** Functions start (as real emulators of the shell function) only once `release()` is called for them. */
function heldStarts() {
  let held = Promise.withResolvers<void>();
  return {
    release: () => held.resolve(),
    hold: () => {
      held = Promise.withResolvers<void>();
    },
    start: async (fn: DeployedFunction): Promise<Runner> => {
      await held.promise;
      return await startEmulator({
        command: [`${fn.dir}/bootstrap`],
        cwd: fn.dir,
        timeout: fn.timeout,
        functionName: fn.name,
        port: 0,
        output: () => {},
      });
    },
  };
}

Deno.test("states and conflicts as Lambda has them", async (t) => {
  const starts = heldStarts();
  await using plane = await serveControlPlane({
    port: 0,
    start: starts.start,
    output: () => {},
  });
  const lambda = lambdaClient(plane.url);
  const FunctionName = "f";
  const state = async () => {
    const got = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName }),
    );
    return [got.State, got.LastUpdateStatus];
  };
  try {
    await t.step(
      "a new function is Pending, and refuses updates and PublishVersion until Active",
      async () => {
        const created = await lambda.send(
          new CreateFunctionCommand({
            FunctionName,
            Role: ROLE,
            Code: { ZipFile: shellZip("one") },
          }),
        );
        assert.equal(created.State, "Pending");
        assert.equal(created.StateReasonCode, "Creating");
        assert.deepEqual(await state(), ["Pending", undefined]);
        await assert.rejects(
          lambda.send(new PublishVersionCommand({ FunctionName })),
          { name: "ResourceConflictException", message: IN_PROGRESS },
        );
        await assert.rejects(
          lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName,
              Timeout: 9,
            }),
          ),
          { name: "ResourceConflictException", message: IN_PROGRESS },
        );
        starts.release();
        await waitUntilFunctionActiveV2(
          { client: lambda, ...WAITING },
          { FunctionName },
        );
        assert.deepEqual(await state(), ["Active", "Successful"]);
      },
    );

    await t.step(
      "after UpdateFunctionCode it is InProgress, and PublishVersion is a ResourceConflictException",
      async () => {
        starts.hold();
        const updating = await lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName,
            ZipFile: shellZip("two"),
          }),
        );
        assert.equal(updating.LastUpdateStatus, "InProgress");
        assert.deepEqual(await state(), ["Active", "InProgress"]);
        await assert.rejects(
          lambda.send(new PublishVersionCommand({ FunctionName })),
          { name: "ResourceConflictException", message: IN_PROGRESS },
        );
        await assert.rejects(
          lambda.send(
            new UpdateFunctionCodeCommand({
              FunctionName,
              ZipFile: shellZip("three"),
            }),
          ),
          { name: "ResourceConflictException", message: IN_PROGRESS },
        );
        starts.release();
        await waitUntilFunctionUpdatedV2(
          { client: lambda, ...WAITING },
          { FunctionName },
        );
        assert.deepEqual(await state(), ["Active", "Successful"]);
        const published = await lambda.send(
          new PublishVersionCommand({ FunctionName }),
        );
        assert.equal(published.Version, "1");
      },
    );

    await t.step(
      "a RevisionId that is not the latest is a PreconditionFailedException",
      async () => {
        const before = await lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName }),
        );
        const updated = await lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName,
            // Long enough for the next step's held invocation on a loaded machine.
            Timeout: 120,
            RevisionId: before.RevisionId,
          }),
        );
        assert.notEqual(updated.RevisionId, before.RevisionId);
        await waitUntilFunctionUpdatedV2(
          { client: lambda, ...WAITING },
          { FunctionName },
        );
        await assert.rejects(
          lambda.send(
            new PublishVersionCommand({
              FunctionName,
              RevisionId: before.RevisionId,
            }),
          ),
          {
            name: "PreconditionFailedException",
            message:
              "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
          },
        );
        const published = await lambda.send(
          new PublishVersionCommand({
            FunctionName,
            RevisionId: updated.RevisionId,
          }),
        );
        assert.equal(published.Version, "2");
      },
    );

    await t.step(
      "an invocation in flight during an update answers from the code it started on",
      async () => {
        await using held = heldRequest();
        const before = lambda.send(
          new InvokeCommand({
            FunctionName,
            Payload: JSON.stringify(held.url),
          }),
        );
        await held.arrived;
        await lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName,
            ZipFile: shellZip("three"),
          }),
        );
        await waitUntilFunctionUpdatedV2(
          { client: lambda, ...WAITING },
          { FunctionName },
        );
        held.open();
        const answered = await before;
        assert.equal(answered.FunctionError, undefined);
        assert.equal(JSON.parse(decoder.decode(answered.Payload)).tag, "two");
        const after = await lambda.send(
          new InvokeCommand({ FunctionName, Payload: '"now"' }),
        );
        assert.equal(JSON.parse(decoder.decode(after.Payload)).tag, "three");
      },
    );
  } finally {
    starts.release();
    lambda.destroy();
  }
});
