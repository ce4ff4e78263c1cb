// The runtime as Lambda runs it: a function process polling the emulator's Runtime API over loopback.
import assert from "node:assert/strict";
import { emulate, fixture } from "./_emulator.ts";

const echo = fixture("../examples/echo/main.ts");
const behaviours = fixture("fixtures/behaviours.ts");

Deno.test("the echo example under the emulator", async (t) => {
  await using lambda = await emulate(echo);

  await t.step("answers ECHO with the request id", async () => {
    const { status, functionError, body, requestId } = await lambda.call(
      "hello",
    );
    assert.equal(status, 200);
    assert.equal(functionError, null);
    assert.deepEqual(body, { message: "ECHO: hello", requestId });
  });

  await t.step("reports an empty event as the handler's error", async () => {
    const { functionError, body } = await lambda.call({});
    assert.equal(functionError, "Unhandled");
    assert.equal(body.errorType, "EmptyEventError");
    assert.match(body.errorMessage, /empty/);
    assert.ok(Array.isArray(body.stackTrace) && body.stackTrace.length > 0);
  });

  await t.step(
    "serves 1 000 invocations in a row from one process",
    async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 1000; i++) {
        const { body, requestId, functionError } = await lambda.call({ i });
        assert.equal(functionError, null);
        assert.equal(body.message, `ECHO: {"i":${i}}`);
        assert.equal(body.requestId, requestId);
        ids.add(body.requestId);
      }
      assert.equal(ids.size, 1000);
      // Every answer came back after its START, END and REPORT were written.
      const reported = new Set(
        lambda.lines.flatMap((l) => {
          const match = /^REPORT RequestId: (\S+)/.exec(l.line);
          return l.source === "platform" && match !== null ? [match[1]] : [];
        }),
      );
      assert.equal([...ids].filter((id) => !reported.has(id)).length, 0);
      const starts = lambda.lines.filter((l) =>
        l.source === "platform" && l.line.startsWith("INIT_REPORT")
      );
      assert.equal(starts.length, 0);
    },
  );

  await t.step(
    "writes Lambda's START, END and REPORT lines before the answer comes back",
    async () => {
      const { requestId } = await lambda.call("report me");
      // No wait: the caller is answered only once the REPORT line is written.
      const platform = lambda.lines.filter((l) => l.source === "platform")
        .map((l) => l.line).filter((line) => line.includes(requestId!));
      assert.equal(
        platform[0],
        `START RequestId: ${requestId} Version: $LATEST`,
      );
      assert.equal(platform[1], `END RequestId: ${requestId}`);
      assert.match(
        platform[2],
        /^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: [1-9]\d* MB$/,
      );
    },
  );
});

Deno.test("errors a handler throws", async (t) => {
  await using lambda = await emulate(behaviours);
  const { body: first } = await lambda.call({ do: "pid" });

  await t.step(
    "an Error gives its name, message and stack frames",
    async () => {
      const { functionError, body } = await lambda.call({ do: "throw-error" });
      assert.equal(functionError, "Unhandled");
      assert.equal(body.errorType, "TypeError");
      assert.equal(body.errorMessage, "the input was not what I expected");
      assert.ok(
        body.stackTrace.some((f: string) => f.includes("behaviours.ts")),
      );
    },
  );

  for (
    const [order, errorType, message] of [
      ["throw-string", "string", "a plain string"],
      ["throw-null", "object", "null"],
      ["throw-undefined", "undefined", "undefined"],
      ["throw-object", "object", /code: 42/],
    ] as const
  ) {
    await t.step(
      `a thrown ${order.slice(6)} still gives a well-formed report`,
      async () => {
        const { functionError, body } = await lambda.call({ do: order });
        assert.equal(functionError, "Unhandled");
        assert.deepEqual(Object.keys(body).sort(), [
          "errorMessage",
          "errorType",
          "stackTrace",
        ]);
        assert.equal(body.errorType, errorType);
        if (typeof message === "string") {
          assert.equal(body.errorMessage, message);
        } else assert.match(body.errorMessage, message);
        assert.deepEqual(body.stackTrace, []);
      },
    );
  }

  await t.step(
    "an event that is not JSON is a Runtime.UnmarshalError",
    async () => {
      const response = await lambda.invoke("{not json");
      const body = await response.json();
      assert.equal(response.headers.get("x-amz-function-error"), "Unhandled");
      assert.equal(body.errorType, "Runtime.UnmarshalError");
      assert.match(body.errorMessage, /not valid JSON/);
    },
  );

  for (const order of ["bigint", "circular"]) {
    await t.step(
      `a ${order} result is a Runtime.MarshalError`,
      async () => {
        const { body } = await lambda.call({ do: order });
        assert.equal(body.errorType, "Runtime.MarshalError");
        assert.match(body.errorMessage, /cannot be serialised/);
      },
    );
  }

  await t.step(
    "a response over 6 MB is refused and reported as too large",
    async () => {
      const { functionError, body } = await lambda.call({ do: "big" });
      assert.equal(functionError, "Unhandled");
      assert.deepEqual(body, {
        errorMessage:
          "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        errorType: "Function.ResponseSizeTooLarge",
      });
    },
  );

  await t.step(
    "a response just under 6 MB goes through",
    async () => {
      const { functionError, body } = await lambda.call({
        do: "big",
        size: 6 * 1024 * 1024 - 16,
      });
      assert.equal(functionError, null);
      assert.equal(body.length, 6 * 1024 * 1024 - 16);
    },
  );

  await t.step(
    "an unhandled rejection fails only the invocation that caused it",
    async () => {
      const { body } = await lambda.call({ do: "reject" });
      assert.equal(body.errorType, "Runtime.UnhandledPromiseRejection");
      assert.equal(body.errorMessage, "nobody awaited me");
    },
  );

  await t.step(
    "an uncaught exception fails only the invocation that caused it",
    async () => {
      const { body } = await lambda.call({ do: "uncaught" });
      assert.equal(body.errorType, "Runtime.UncaughtException");
      assert.equal(body.errorMessage, "thrown from a timer");
    },
  );

  await t.step("after all of these, the same process goes on", async () => {
    const { body } = await lambda.call({ do: "pid" });
    assert.equal(body.pid, first.pid);
  });
});

Deno.test("the context under the emulator", async (t) => {
  await using lambda = await emulate(behaviours, {
    timeout: 1,
    functionName: "orders",
    memory: 256,
  });

  await t.step(
    "carries the request, function and trace fields",
    async () => {
      const trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
      const clientContext = { custom: { app: "tests" } };
      const { body, requestId } = await lambda.call({ do: "context" }, {
        "x-amzn-trace-id": trace,
        "x-amz-tenant-id": "tenant-blue",
        "x-amz-client-context": btoa(JSON.stringify(clientContext)),
      });
      assert.equal(body.awsRequestId, requestId);
      assert.equal(
        body.invokedFunctionArn,
        "arn:aws:lambda:us-east-1:123456789012:function:orders",
      );
      assert.equal(body.functionName, "orders");
      assert.equal(body.functionVersion, "$LATEST");
      assert.equal(body.memoryLimitInMB, "256");
      assert.equal(body.logGroupName, "/aws/lambda/orders");
      assert.match(body.logStreamName, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\]/);
      assert.equal(body.xRayTraceId, trace);
      assert.equal(body.traceEnv, trace);
      assert.equal(body.tenantId, "tenant-blue");
      assert.deepEqual(body.clientContext, clientContext);
      assert.equal(typeof body.invocationId, "string");
      assert.ok(body.remaining > 0 && body.remaining <= 1000);
      assert.ok(body.deadlineMs > body.now);
    },
  );

  await t.step(
    "an invocation without a trace id does not inherit the previous one",
    async () => {
      await lambda.call({ do: "context" }, { "x-amzn-trace-id": "Root=1-a" });
      const { body } = await lambda.call({ do: "context" });
      assert.notEqual(body.traceEnv, "Root=1-a");
      assert.equal(body.traceEnv, body.xRayTraceId);
    },
  );

  await t.step(
    "a handler that answers when its deadline signal aborts is timed out all the same, as on Lambda",
    async () => {
      const { functionError, body } = await lambda.call({ do: "deadline" });
      assert.equal(functionError, "Unhandled");
      assert.equal(body.errorType, "Sandbox.Timedout");
    },
  );
});

Deno.test("faults the process does not survive", async (t) => {
  await using lambda = await emulate(behaviours, { timeout: 1 });

  await t.step(
    "a handler that hangs past its timeout is killed and reported",
    async () => {
      const { body: before } = await lambda.call({ do: "pid" });
      const { functionError, body, requestId } = await lambda.call({
        do: "hang",
      });
      assert.equal(functionError, "Unhandled");
      assert.equal(body.errorType, "Sandbox.Timedout");
      assert.equal(
        body.errorMessage,
        `RequestId: ${requestId} Error: Task timed out after 1.00 seconds`,
      );
      const { body: after } = await lambda.call({ do: "pid" });
      assert.notEqual(after.pid, before.pid);
      const report = lambda.lines.find(({ line }) =>
        line.startsWith(`REPORT RequestId: ${requestId}\t`)
      );
      assert.match(report?.line ?? "", /\tStatus: timeout$/);
    },
  );

  await t.step(
    "a handler that exits the process is a Runtime.ExitError, and the next invocation starts a new one",
    async () => {
      const { functionError, body } = await lambda.call({ do: "exit" });
      assert.equal(functionError, "Unhandled");
      assert.equal(body.errorType, "Runtime.ExitError");
      assert.match(body.errorMessage, /exit status 3/);
      const { functionError: next } = await lambda.call({ do: "pid" });
      assert.equal(next, null);
    },
  );
});

Deno.test("initialisation that fails", async (t) => {
  await using lambda = await emulate(fixture("fixtures/init_fails.ts"));

  await t.step(
    "is reported to the invoker with the initializer's error",
    async () => {
      const { functionError, body } = await lambda.call({});
      assert.equal(functionError, "Unhandled");
      assert.equal(body.errorType, "ConfigError");
      assert.equal(body.errorMessage, "TABLE_NAME is not set");
    },
  );

  await t.step("ends the process with Lambda's INIT_REPORT line", () => {
    const report = lambda.lines.find((l) => l.line.startsWith("INIT_REPORT"));
    assert.match(report!.line, /Status: error\tError Type: ConfigError/);
    assert.ok(
      lambda.lines.some((l) =>
        l.source === "stderr" && l.line.includes("Initialisation failed")
      ),
    );
  });

  await t.step("is tried again on the next invocation", async () => {
    const { body } = await lambda.call({});
    assert.equal(body.errorType, "ConfigError");
    const reports = lambda.lines.filter((l) =>
      l.line.startsWith("INIT_REPORT")
    );
    assert.equal(reports.length, 2);
  });
});

Deno.test("a reserved variable Lambda set wrongly", async (t) => {
  await using lambda = await emulate(fixture("../examples/echo/main.ts"), {
    env: { AWS_LAMBDA_MAX_CONCURRENCY: "lots" },
  });

  await t.step(
    "is reported on /init/error as an EnvironmentError naming the variable",
    async () => {
      const { functionError, body } = await lambda.call("hello");
      assert.equal(functionError, "Unhandled");
      assert.equal(body.errorType, "EnvironmentError");
      assert.match(body.errorMessage, /AWS_LAMBDA_MAX_CONCURRENCY/);
    },
  );
});

Deno.test("several invocations at once", async (t) => {
  await t.step(
    "with AWS_LAMBDA_MAX_CONCURRENCY=3 one process runs them side by side",
    async () => {
      await using lambda = await emulate(behaviours, { concurrency: 3 });
      // Each invocation answers only when all three are in the handler at once.
      const results = await Promise.all(
        [0, 1, 2].map(() => lambda.call({ do: "barrier", parties: 3 })),
      );
      for (const { status, functionError, body, requestId } of results) {
        assert.equal(status, 200);
        assert.equal(functionError, null, "none timed out at the barrier");
        assert.equal(body.id, requestId);
      }
      const traces = await Promise.all(
        ["Root=1-a", "Root=1-b", "Root=1-c"].map((trace) =>
          lambda.call({ do: "context" }, { "x-amzn-trace-id": trace })
        ),
      );
      assert.deepEqual(
        traces.map((r) => [r.body.xRayTraceId, r.body.traceEnv]),
        [["Root=1-a", undefined], ["Root=1-b", undefined], [
          "Root=1-c",
          undefined,
        ]],
      );
    },
  );

  await t.step(
    "with one at a time, the others wait in a queue and all succeed",
    async () => {
      await using lambda = await emulate(behaviours);
      // Each lingers a while in the handler: another would be seen there if the emulator let it in.
      const results = await Promise.all(
        [0, 1, 2].map(() => lambda.call({ do: "queued", ms: 50 })),
      );
      for (const { status, body, requestId } of results) {
        assert.equal(status, 200);
        assert.equal(body.id, requestId);
        assert.equal(body.seen, 1, "alone in the handler");
      }
      assert.equal(Math.max(...results.map((r) => r.body.peak)), 1);
    },
  );
});
