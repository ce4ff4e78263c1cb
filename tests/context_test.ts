// Building the context from /next headers and the environment.
import assert from "node:assert/strict";
import { DeadlineError } from "../mod.ts";
import { createContext } from "../src/runtime.ts";
import { installLogging } from "../src/logging/lambda_logger.ts";
import { environment, invocation, memoryLogger } from "./_fake_runtime_api.ts";

/** Records the timers armed and cleared through the globals until disposed. */
function watchTimers(): Disposable & { armed: unknown[]; cleared: unknown[] } {
  const { setTimeout: set, clearTimeout: clear } = globalThis;
  const armed: unknown[] = [];
  const cleared: unknown[] = [];
  globalThis.setTimeout = ((...args: Parameters<typeof set>) => {
    const id = set(...args);
    armed.push(id);
    return id;
  }) as typeof set;
  globalThis.clearTimeout = ((id: Parameters<typeof clear>[0]) => {
    cleared.push(id);
    clear(id);
  }) as typeof clear;
  return {
    armed,
    cleared,
    [Symbol.dispose]() {
      globalThis.setTimeout = set;
      globalThis.clearTimeout = clear;
    },
  };
}

Deno.test("createContext", async (t) => {
  await t.step("carries the Node runtime's field names", () => {
    const deadline = Date.now() + 10_000;
    const context = createContext(
      invocation("{}", "req-9", {
        "lambda-runtime-invoked-function-arn":
          "arn:aws:lambda:eu-west-1:1:function:test-fn:live",
        "lambda-runtime-trace-id":
          "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "lambda-runtime-invocation-id": "inv-1",
      }, deadline),
      environment,
    );
    assert.equal(context.awsRequestId, "req-9");
    assert.equal(
      context.invokedFunctionArn,
      "arn:aws:lambda:eu-west-1:1:function:test-fn:live",
    );
    assert.equal(context.deadlineMs, deadline);
    assert.match(context.xRayTraceId!, /^Root=1-/);
    assert.equal(context.invocationId, "inv-1");
    assert.equal(context.functionName, "test-fn");
    assert.equal(context.functionVersion, "$LATEST");
    assert.equal(context.memoryLimitInMB, "256");
    assert.equal(context.logGroupName, "/aws/lambda/test-fn");
    assert.equal(context.logStreamName, "stream");
    assert.equal(context.callbackWaitsForEmptyEventLoop, false);
    const left = context.getRemainingTimeInMillis();
    assert.ok(left > 9_000 && left <= 10_000);
  });

  await t.step("parses client context and Cognito identity", () => {
    const context = createContext(
      invocation("{}", "r", {
        "lambda-runtime-client-context": JSON.stringify({
          client: {
            installationId: "i-1",
            appTitle: "app",
            appVersionName: "1.0",
            appVersionCode: "1",
            appPackageName: "com.x",
          },
          custom: { tier: "gold" },
          env: { locale: "en" },
        }),
        "lambda-runtime-cognito-identity": JSON.stringify({
          cognitoIdentityId: "us-east-1:abc",
          cognitoIdentityPoolId: "us-east-1:pool",
        }),
      }),
      environment,
    );
    assert.equal(context.clientContext?.client?.installationId, "i-1");
    assert.deepEqual(context.clientContext?.custom, { tier: "gold" });
    assert.equal(context.identity?.cognitoIdentityId, "us-east-1:abc");
  });

  await t.step("leaves absent optional headers undefined", () => {
    const context = createContext(invocation("{}", "r"), environment);
    assert.equal(context.clientContext, undefined);
    assert.equal(context.identity, undefined);
    assert.equal(context.tenantId, undefined);
    assert.equal(context.xRayTraceId, undefined);
  });

  await t.step(
    "reads a malformed client context as undefined instead of failing",
    () => {
      const context = createContext(
        invocation("{}", "r", { "lambda-runtime-client-context": "{nope" }),
        environment,
      );
      assert.equal(context.clientContext, undefined);
    },
  );

  await t.step(
    "says in the log which header was malformed",
    () => {
      const logger = memoryLogger();
      using _logging = installLogging({ logger });
      const context = createContext(
        invocation("{}", "r", { "lambda-runtime-cognito-identity": "[oops" }),
        environment,
      );
      assert.equal(context.identity, undefined);
      assert.equal(logger.lines.length, 1);
      assert.match(
        logger.lines[0],
        /^WARN The lambda-runtime-cognito-identity header is not valid JSON/,
      );
    },
  );

  await t.step("never reports negative remaining time", () => {
    const context = createContext(
      invocation("{}", "r", {}, Date.now() - 5),
      environment,
    );
    assert.equal(context.getRemainingTimeInMillis(), 0);
  });

  await t.step(
    "aborts the signal with a DeadlineError at the deadline",
    async () => {
      const context = createContext(
        invocation("{}", "late", {}, Date.now() + 30),
        environment,
      );
      const signal = context.signal;
      assert.equal(signal.aborted, false);
      await new Promise((resolve) =>
        signal.addEventListener("abort", resolve, { once: true })
      );
      assert.ok(signal.reason instanceof DeadlineError);
      assert.match(signal.reason.message, /late/);
    },
  );

  await t.step(
    "gives an already aborted signal when the deadline has passed",
    () => {
      const context = createContext(
        invocation("{}", "r", {}, Date.now() - 1),
        environment,
      );
      assert.equal(context.signal.aborted, true);
    },
  );

  await t.step("disposing the context clears its deadline timer", () => {
    using timers = watchTimers();
    const context = createContext(
      invocation("{}", "r", {}, Date.now() + 60_000),
      environment,
    );
    void context.signal;
    assert.equal(timers.armed.length, 1, "reading the signal arms one timer");
    assert.deepEqual(timers.cleared, []);
    (context as unknown as Disposable)[Symbol.dispose]();
    assert.deepEqual(timers.cleared, timers.armed);
    assert.equal(context.signal.aborted, false);
  });

  await t.step(
    "a signal first read after the invocation ended is already aborted, with no timer",
    () => {
      const context = createContext(
        invocation("{}", "done", {}, Date.now() + 60_000),
        environment,
      );
      (context as unknown as Disposable)[Symbol.dispose]();
      assert.equal(context.signal.aborted, true);
      assert.ok(context.signal.reason instanceof DeadlineError);
    },
  );
});
