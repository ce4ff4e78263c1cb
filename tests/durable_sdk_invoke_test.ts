// `deno task invoke`'s durable commands send what AWS's own SDK (@aws-sdk/client-lambda) sends for the same
// operation (both recorded by one loopback server playing the durable API), and print an execution's history
// once, or as it grows until it closes.
import assert from "node:assert/strict";
import {
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  type LambdaClient,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackHeartbeatCommand,
  SendDurableExecutionCallbackSuccessCommand,
} from "npm:@aws-sdk/client-lambda@3.1178.0";
import { main as invokeMain } from "../scripts/invoke.ts";
import { denoTask } from "./_task.ts";
import { lambdaClient } from "./_control_plane.ts";

const ARN =
  "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/o-1/1d2c3b4a";

/** A recorded request: what identifies an operation on the wire. */
interface Seen {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
}

/** A loopback server playing the durable API: records each request and answers with `answer`. */
function durableApi(
  answer: (seen: Seen) => Response = () => new Response(null, { status: 200 }),
) {
  const seen: Seen[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      const entry = {
        method: request.method,
        path: decodeURIComponent(url.pathname),
        query: url.search,
        headers: Object.fromEntries(
          [...request.headers].filter(([name]) =>
            name.startsWith("x-amz-durable") || name === "x-amz-invocation-type"
          ),
        ),
        body: await request.text(),
      };
      seen.push(entry);
      return answer(entry);
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  const sdk = lambdaClient(url);
  return {
    seen,
    url,
    sdk,
    async [Symbol.asyncDispose]() {
      sdk.destroy();
      await server.shutdown();
    },
  };
}

/** Runs the task's main in this process; its exit code and what it printed. */
async function invoke(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...data: unknown[]) => out.push(data.join(" "));
  console.error = (...data: unknown[]) => err.push(data.join(" "));
  try {
    const code = await invokeMain(args);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    Object.assign(console, { log, error });
  }
}

/** The parts of a request that name the operation and its input. */
function wire({ method, path, query, headers, body }: Seen) {
  return { method, path, query, headers, body };
}

Deno.test("deno task invoke's durable commands send what @aws-sdk/client-lambda sends", async (t) => {
  await using api = durableApi((seen) =>
    seen.path.endsWith("/history")
      ? Response.json({ Events: [] })
      : seen.path.includes("/functions/")
      ? new Response(null, {
        status: 202,
        headers: { "x-amz-durable-execution-arn": ARN },
      })
      : new Response(null, { status: 200 })
  );
  const compare = async (
    args: string[],
    // Any of the client's commands: their middleware types do not unify under one parameter type.
    command: object,
  ) => {
    api.seen.length = 0;
    const run = await invoke([...args, "--url", api.url]);
    assert.equal(run.code, 0, run.stderr);
    await api.sdk.send(command as Parameters<LambdaClient["send"]>[0]);
    assert.equal(api.seen.length, 2);
    assert.deepEqual(wire(api.seen[0]), wire(api.seen[1]));
    return run;
  };

  await t.step("--callback-success ID --data JSON", async () => {
    const run = await compare(
      ["--callback-success", "cb-1", "--data", '{"approved":true}'],
      new SendDurableExecutionCallbackSuccessCommand({
        CallbackId: "cb-1",
        Result: new TextEncoder().encode('{"approved":true}'),
      }),
    );
    assert.match(run.stderr, /callback cb-1 succeeded/);
  });

  await t.step(
    "--callback-failure ID --error-type T --error-message M",
    async () => {
      await compare(
        [
          "--callback-failure",
          "cb-2",
          "--error-type",
          "Rejected",
          "--error-message",
          "over budget",
        ],
        new SendDurableExecutionCallbackFailureCommand({
          CallbackId: "cb-2",
          Error: { ErrorType: "Rejected", ErrorMessage: "over budget" },
        }),
      );
    },
  );

  await t.step("--callback-heartbeat ID", async () => {
    await compare(
      ["--callback-heartbeat", "cb-3"],
      new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: "cb-3" }),
    );
  });

  await t.step("--history ARN", async () => {
    await compare(
      ["--history", ARN],
      new GetDurableExecutionHistoryCommand({
        DurableExecutionArn: ARN,
        IncludeExecutionData: true,
      }),
    );
  });

  await t.step(
    "--durable-execution-name N --async, and the execution's ARN printed",
    async () => {
      const run = await compare(
        [
          "--name",
          "orders",
          "--data",
          '{"id":"o-1"}',
          "--durable-execution-name",
          "o-1",
          "--async",
        ],
        new InvokeCommand({
          FunctionName: "orders",
          Payload: new TextEncoder().encode('{"id":"o-1"}'),
          DurableExecutionName: "o-1",
          InvocationType: "Event",
        }),
      );
      assert.match(
        run.stderr,
        new RegExp(`durable execution ${ARN.replace("$", "\\$")}`),
      );
    },
  );
});

/** History events as Lambda pages them: `pages[poll]` is what the history holds at that poll. */
const EVENTS = [
  {
    EventType: "ExecutionStarted",
    EventId: 1,
    Id: "e",
    Name: "o-1",
    EventTimestamp: 1765152000,
    ExecutionStartedDetails: { Input: { Payload: '{"id":"o-1"}' } },
  },
  {
    EventType: "StepFailed",
    EventId: 2,
    Id: "s1",
    Name: "charge",
    EventTimestamp: 1765152001,
    StepFailedDetails: {
      Error: { Payload: { ErrorType: "Error", ErrorMessage: "card declined" } },
      RetryDetails: { CurrentAttempt: 1, NextAttemptDelaySeconds: 2 },
    },
  },
  {
    EventType: "CallbackStarted",
    EventId: 3,
    Id: "c1",
    Name: "approval",
    EventTimestamp: 1765152003,
    CallbackStartedDetails: { CallbackId: "cb-approval" },
  },
  {
    EventType: "CallbackSucceeded",
    EventId: 4,
    Id: "c1",
    Name: "approval",
    EventTimestamp: 1765152009,
    CallbackSucceededDetails: { Result: { Payload: '{"approved":true}' } },
  },
  {
    EventType: "ExecutionSucceeded",
    EventId: 5,
    Id: "e",
    Name: "o-1",
    EventTimestamp: 1765152010,
    ExecutionSucceededDetails: { Result: { Payload: '"shipped"' } },
  },
];

Deno.test("deno task invoke --history --watch prints each event once, across pages and polls, until the execution closes", async () => {
  let polls = 0;
  await using api = durableApi((seen) => {
    const marker = new URLSearchParams(seen.query).get("Marker");
    // A poll starts on the first page; the history grows by two events a poll, paged two at a time.
    if (marker === null) polls++;
    const known = EVENTS.slice(0, Math.min(EVENTS.length, polls * 2));
    const from = marker === null ? 0 : Number(marker);
    const page = known.slice(from, from + 2);
    const next = from + 2 < known.length ? String(from + 2) : undefined;
    return Response.json({
      Events: page,
      ...(next ? { NextMarker: next } : {}),
    });
  });
  const run = await invoke([
    "--history",
    ARN,
    "--watch",
    "--interval",
    "1",
    "--url",
    api.url,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split("\n");
  assert.deepEqual(
    lines.map((line) => line.trim().split(/\s+/)[2]),
    EVENTS.map((e) => e.EventType),
  );
  assert.match(
    lines[0],
    /^ {2}1 {2}2025-12-08T00:00:00\.000Z {2}ExecutionStarted +o-1 {2}\{"id":"o-1"\}$/,
  );
  assert.match(
    lines[1],
    /charge {2}Error: card declined {2}attempt 1, next in 2 s$/,
  );
  assert.match(lines[2], /approval {2}callback cb-approval$/);
  assert.match(lines[4], /ExecutionSucceeded +o-1 {2}"shipped"$/);
  assert.equal(polls, 3);
});

Deno.test("deno task invoke says what the durable API refused, in Lambda's words", async () => {
  await using api = durableApi(() =>
    Response.json({ Type: "User", message: "Callback cb-9 not found" }, {
      status: 404,
      headers: {
        "x-amzn-errortype":
          "ResourceNotFoundException:http://internal.amazon.com/",
      },
    })
  );
  // The task itself, with its own permission set.
  const run = await denoTask("invoke", [
    "--callback-success",
    "cb-9",
    "--data",
    "1",
    "--url",
    api.url,
  ]);
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /^ResourceNotFoundException: Callback cb-9 not found$/m,
  );
  const missing = await denoTask("invoke", [
    "--callback-failure",
    "cb-9",
    "--url",
    api.url,
  ]);
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /--callback-failure needs --error-type TYPE and --error-message MESSAGE/,
  );
});
