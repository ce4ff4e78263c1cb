// The loop, driven by an in-memory Runtime API: what it sends for each kind of outcome.
import assert from "node:assert/strict";
import type { Handler } from "../mod.ts";
import { runLoop, RuntimeApiError } from "../src/runtime.ts";
import {
  environment,
  type FakeApi,
  fakeApi,
  invocation,
  memoryLogger,
} from "./_fake_runtime_api.ts";
import { barrier } from "./_barrier.ts";
import type { RunOptions } from "../mod.ts";
import type { Invocation } from "../src/runtime.ts";

/** Runs the loop until `expected` outcomes were sent, then stops it. */
async function drive(
  handler: Handler<never, unknown>,
  queue: (Invocation | Error)[],
  expected: number,
  options: RunOptions & { api?: FakeApi } = {},
) {
  const api = options.api ?? fakeApi(queue);
  const stop = new AbortController();
  const logger = memoryLogger();
  const loop = runLoop(handler, {
    environment,
    runtimeApi: api,
    logger,
    signal: stop.signal,
    ...options,
  });
  await Promise.race([api.sentCount(expected), loop]);
  stop.abort();
  await loop;
  return { sent: api.sent, lines: logger.lines };
}

Deno.test("the loop", async (t) => {
  await t.step("sends the handler's result as JSON", async () => {
    const { sent } = await drive(
      (event: { name: string }) => ({ hello: event.name }),
      [invocation('{"name":"Ada"}', "r1")],
      1,
    );
    assert.deepEqual(sent, [{
      kind: "response",
      id: "r1",
      body: '{"hello":"Ada"}',
    }]);
  });

  await t.step("sends null when the handler returns undefined", async () => {
    const { sent } = await drive(() => undefined, [invocation("{}")], 1);
    assert.equal(sent[0].body, "null");
  });

  await t.step("awaits an async handler", async () => {
    const { sent } = await drive(
      async (event: number) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return event * 2;
      },
      [invocation("21")],
      1,
    );
    assert.equal(sent[0].body, "42");
  });

  await t.step("gives the handler the context of its invocation", async () => {
    const deadline = Date.now() + 60_000;
    const { sent } = await drive(
      (_event: unknown, context) => ({
        id: context.awsRequestId,
        arn: context.invokedFunctionArn,
        deadline: context.deadlineMs,
        memory: context.memoryLimitInMB,
        name: context.functionName,
        tenant: context.tenantId,
      }),
      [
        invocation("{}", "ctx-1", {
          "lambda-runtime-invoked-function-arn":
            "arn:aws:lambda:eu-west-1:123456789012:function:test-fn",
          "lambda-runtime-aws-tenant-id": "tenant-7",
        }, deadline),
      ],
      1,
    );
    assert.deepEqual(JSON.parse(sent[0].body), {
      id: "ctx-1",
      arn: "arn:aws:lambda:eu-west-1:123456789012:function:test-fn",
      deadline,
      memory: "256",
      name: "test-fn",
      tenant: "tenant-7",
    });
  });

  await t.step(
    "gives the handler the event as sent, beside the parsed one",
    async () => {
      const raw = '{ "amount" : 1.50 }';
      const { sent } = await drive(
        (event: { amount: number }, context) => ({
          parsed: event.amount,
          raw: context.rawEvent,
        }),
        [invocation(raw, "raw-1")],
        1,
      );
      assert.deepEqual(JSON.parse(sent[0].body), { parsed: 1.5, raw });
    },
  );

  await t.step(
    "lets go of the event's text once the handler has returned, before the result is serialised",
    async () => {
      const raw = '{"big":"event"}';
      let during = "";
      let atRespond: { body: string; rawEvent: string } | undefined;
      const { sent } = await drive(
        (event: { big: string }, context) => {
          during = context.rawEvent;
          return event.big;
        },
        [invocation(raw, "release-1")],
        1,
        {
          respond: (result, received, api, context) => {
            atRespond = { body: received.body, rawEvent: context.rawEvent };
            return api.respond(received, JSON.stringify(result));
          },
        },
      );
      assert.equal(during, raw);
      assert.deepEqual(atRespond, { body: "", rawEvent: "" });
      assert.deepEqual(sent[0], {
        kind: "response",
        id: "release-1",
        body: '"event"',
      });
    },
  );

  await t.step(
    "reports an event that is not JSON as Runtime.UnmarshalError and goes on",
    async () => {
      let calls = 0;
      const { sent } = await drive(
        () => ++calls,
        [invocation("{not json", "bad"), invocation("1", "good")],
        2,
      );
      assert.equal(sent[0].kind, "error");
      assert.equal(sent[0].report?.errorType, "Runtime.UnmarshalError");
      assert.match(sent[0].report!.errorMessage, /not valid JSON/);
      assert.deepEqual(sent[1], { kind: "response", id: "good", body: "1" });
      assert.equal(calls, 1);
    },
  );

  await t.step(
    "reports a result JSON cannot hold as Runtime.MarshalError",
    async () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const { sent } = await drive(
        (event: string) => event === "bigint" ? 10n : circular,
        [invocation('"bigint"'), invocation('"circular"')],
        2,
      );
      assert.deepEqual(sent.map((s) => s.report?.errorType), [
        "Runtime.MarshalError",
        "Runtime.MarshalError",
      ]);
    },
  );

  await t.step(
    "reports an Error the handler throws with its name, message and stack",
    async () => {
      const { sent } = await drive(
        () => {
          throw new RangeError("out of range");
        },
        [invocation("{}")],
        1,
      );
      const report = sent[0].report!;
      assert.equal(report.errorType, "RangeError");
      assert.equal(report.errorMessage, "out of range");
      assert.ok(report.stackTrace.length > 0);
      assert.ok(report.stackTrace.every((line) => line.startsWith("at ")));
    },
  );

  await t.step("reports non-Error throws as well-formed reports", async () => {
    const values: unknown[] = ["text", 42, null, undefined, { code: 7 }];
    const queue = values.map((_, i) => invocation(String(i)));
    const { sent } = await drive(
      (i: number) => {
        throw values[i];
      },
      queue,
      values.length,
    );
    assert.deepEqual(sent.map((s) => s.report?.errorType), [
      "string",
      "number",
      "object",
      "undefined",
      "object",
    ]);
    assert.equal(sent[0].report?.errorMessage, "text");
    assert.equal(sent[2].report?.errorMessage, "null");
    assert.match(sent[4].report!.errorMessage, /code: 7/);
  });

  await t.step("reports a rejected promise the handler returns", async () => {
    const { sent } = await drive(
      () => Promise.reject(new Error("async boom")),
      [invocation("{}")],
      1,
    );
    assert.equal(sent[0].report?.errorMessage, "async boom");
  });

  await t.step(
    "reports a missing deadline header instead of crashing",
    async () => {
      const { sent } = await drive(() => "ok", [
        invocation("{}", "no-deadline", {}, NaN),
        invocation("{}", "fine"),
      ], 2);
      assert.equal(sent[0].report?.errorType, "Runtime.InvalidHeader");
      assert.match(sent[0].report!.errorMessage, /Lambda-Runtime-Deadline-Ms/);
      assert.equal(sent[1].body, '"ok"');
    },
  );

  await t.step(
    "skips an invocation without a request id and says so",
    async () => {
      const { sent, lines } = await drive(
        () => "ok",
        [
          invocation("{}", ""),
          invocation("{}", "after"),
        ],
        1,
        { nextRetryDelays: [0] },
      );
      assert.deepEqual(sent.map((s) => s.id), ["after"]);
      assert.ok(
        lines.some((line) => line.includes("Lambda-Runtime-Aws-Request-Id")),
      );
    },
  );

  await t.step(
    "turns a 413 from the Runtime API into an invocation error",
    async () => {
      const api = fakeApi([invocation("{}", "big")], (_inv, _body) => {
        throw new RuntimeApiError("response", 413, "payload too large");
      });
      const { sent } = await drive(() => "x".repeat(10), [], 1, { api });
      assert.equal(sent[0].kind, "error");
      assert.equal(sent[0].report?.errorType, "Function.ResponseSizeTooLarge");
      assert.match(sent[0].report!.errorMessage, /6 MB/);
    },
  );

  await t.step(
    "logs a 410 Gone and goes on to the next invocation",
    async () => {
      let first = true;
      const api = fakeApi(
        [invocation("1", "late"), invocation("2", "next")],
        (inv) => {
          if (first && inv.requestId === "late") {
            first = false;
            return Promise.reject(new RuntimeApiError("response", 410, "gone"));
          }
          return Promise.resolve();
        },
      );
      const { sent, lines } = await drive((n: number) => n, [], 1, { api });
      assert.deepEqual(sent.map((s) => s.id), ["next"]);
      assert.ok(lines.some((line) => /WARN .*late.*410 Gone/.test(line)));
    },
  );

  await t.step(
    "stops with the error when the Runtime API answers 500",
    async () => {
      const api = fakeApi([invocation("1", "a"), invocation("2", "b")], () => {
        throw new RuntimeApiError("response", 500, "container error");
      });
      const stop = new AbortController();
      await assert.rejects(
        runLoop((n: number) => n, {
          environment,
          runtimeApi: api,
          logger: memoryLogger(),
          signal: stop.signal,
        }),
        (error: unknown) =>
          error instanceof RuntimeApiError && error.status === 500,
      );
    },
  );

  await t.step(
    "retries a failing next briefly, then stops with the error",
    async () => {
      const failure = () =>
        new RuntimeApiError("next", 0, "connection refused");
      const queue = Array.from({ length: 10 }, failure);
      const logger = memoryLogger();
      const api = fakeApi(queue);
      const calls: string[] = [];
      const next = api.next.bind(api);
      api.next = (signal) => {
        calls.push("next");
        return next(signal).catch((error) => {
          calls.push("failed");
          throw error;
        });
      };
      const warn = logger.warn.bind(logger);
      logger.warn = (message, fields) => {
        calls.push("retry");
        warn(message, fields);
      };
      await assert.rejects(
        runLoop(() => 1, {
          environment,
          runtimeApi: api,
          logger,
          nextRetryDelays: [1, 2, 3, 4, 5],
        }),
        { name: "RuntimeApiError", status: 0 },
      );
      // Each failure but the last is followed by one retry, five in all; then it gives up.
      assert.deepEqual(calls, [
        ...Array.from({ length: 5 }, () => ["next", "failed", "retry"]).flat(),
        "next",
        "failed",
      ]);
      const warnings = logger.lines.filter((l) => l.startsWith("WARN"));
      assert.equal(warnings.length, 5);
      for (const [i, line] of warnings.entries()) {
        assert.match(
          line,
          new RegExp(
            `^WARN Runtime API next failed \\(.*connection refused\\); retrying in ${
              i + 1
            } ms$`,
          ),
        );
      }
      assert.equal(queue.length, 4, "six calls to next, then no more");
    },
  );

  await t.step("recovers when next fails once", async () => {
    const { sent } = await drive(() => "ok", [
      new RuntimeApiError("next", 0, "reset"),
      invocation("{}", "after-reset"),
    ], 1);
    assert.equal(sent[0].id, "after-reset");
  });

  await t.step(
    "reports an unhandled rejection for the invocation that caused it",
    async () => {
      const { sent } = await drive(
        () => {
          Promise.reject(new Error("forgotten"));
          return new Promise(() => {}); // never settles: only the rejection ends it
        },
        [invocation("{}", "leaky"), invocation("{}", "clean")],
        1,
      );
      assert.equal(sent[0].id, "leaky");
      assert.equal(
        sent[0].report?.errorType,
        "Runtime.UnhandledPromiseRejection",
      );
      assert.equal(sent[0].report?.errorMessage, "forgotten");
    },
  );

  await t.step(
    "reports an uncaught exception from a timer for its invocation",
    async () => {
      const { sent } = await drive(
        () => {
          setTimeout(() => {
            throw new TypeError("from a timer");
          }, 1);
          return new Promise(() => {});
        },
        [invocation("{}", "timer")],
        1,
      );
      assert.equal(sent[0].report?.errorType, "Runtime.UncaughtException");
      assert.equal(sent[0].report?.errorMessage, "from a timer");
    },
  );

  await t.step(
    "reports an error reported while the handler is being called for its invocation",
    async () => {
      const { sent } = await drive(
        () => {
          reportError(new TypeError("reported at once"));
          return new Promise(() => {});
        },
        [invocation("{}", "early")],
        1,
      );
      assert.equal(sent[0].id, "early");
      assert.equal(sent[0].report?.errorType, "Runtime.UncaughtException");
      assert.equal(sent[0].report?.errorMessage, "reported at once");
    },
  );

  await t.step(
    "logs, with its invocation's id, an uncaught error raised while the result is being sent",
    async () => {
      const { sent, lines } = await drive(
        () => "done",
        [invocation("{}", "late")],
        1,
        {
          api: fakeApi([invocation("{}", "late")], () => {
            reportError(new TypeError("after the handler"));
            return Promise.resolve();
          }),
        },
      );
      assert.deepEqual(sent, [{
        kind: "response",
        id: "late",
        body: '"done"',
      }]);
      assert.ok(
        lines.includes(
          "ERROR Runtime.UncaughtException after invocation late's handler had finished; it can no longer fail the invocation",
        ),
        lines.join("\n"),
      );
    },
  );

  await t.step(
    "with K pollers, a 500 on /response stops every poller and rejects",
    async () => {
      const api = fakeApi(
        [invocation("{}", "doomed")],
        () => Promise.reject(new RuntimeApiError("response", 500, "unhealthy")),
      );
      // No outside signal: only the 500 may end the other pollers' long polls.
      await assert.rejects(
        runLoop(() => "ok", {
          environment,
          runtimeApi: api,
          logger: memoryLogger(),
          concurrency: 3,
        }),
        (error) => error instanceof RuntimeApiError && error.status === 500,
      );
    },
  );

  await t.step(
    "with K pollers, a 500 on /next stops the others too",
    async () => {
      const api = fakeApi([new RuntimeApiError("next", 500, "unhealthy")]);
      await assert.rejects(
        runLoop(() => "ok", {
          environment,
          runtimeApi: api,
          logger: memoryLogger(),
          concurrency: 2,
        }),
        (error) => error instanceof RuntimeApiError && error.status === 500,
      );
    },
  );

  await t.step("runs K invocations at once when concurrency is K", async () => {
    let running = 0;
    let peak = 0;
    // Each invocation waits until three are in the handler: only K = 3 at once lets them all finish.
    const together = barrier(3);
    const queue = Array.from({ length: 6 }, (_, i) => invocation(String(i)));
    const { sent } = await drive(
      async (n: number) => {
        running++;
        peak = Math.max(peak, running);
        await together.arrive();
        running--;
        return n;
      },
      queue,
      6,
      { concurrency: 3 },
    );
    assert.equal(peak, 3);
    assert.deepEqual(sent.map((s) => Number(s.body)).sort(), [
      0,
      1,
      2,
      3,
      4,
      5,
    ]);
  });

  await t.step(
    "keeps each concurrent invocation's context its own",
    async () => {
      const queue = Array.from(
        { length: 4 },
        (_, i) =>
          invocation("{}", `req-${i}`, {
            "lambda-runtime-trace-id": `trace-${i}`,
          }),
      );
      // Both invocations of a round are in flight when each reads its context again.
      const together = barrier(2);
      const { sent } = await drive(
        async (_e: unknown, context) => {
          const before = context.awsRequestId;
          await together.arrive();
          return `${before}|${context.awsRequestId}|${context.xRayTraceId}`;
        },
        queue,
        4,
        { concurrency: 2 },
      );
      for (const s of sent) {
        const [before, after, trace] = JSON.parse(s.body).split("|");
        assert.equal(before, s.id);
        assert.equal(after, s.id);
        assert.equal(trace, s.id.replace("req", "trace"));
      }
    },
  );

  await t.step("uses a custom decoder and responder", async () => {
    const api = fakeApi([invocation("raw text", "custom")]);
    const { sent } = await drive(
      (event: string) => event.toUpperCase(),
      [],
      1,
      {
        api,
        decode: (inv) => inv.body,
        respond: (result, inv, runtimeApi) =>
          runtimeApi.respond(inv, String(result), {
            contentType: "text/plain",
          }),
      },
    );
    assert.equal(sent[0].body, "RAW TEXT");
  });

  await t.step("runs each handler call inside the scope hook", async () => {
    const seen: string[] = [];
    const { sent } = await drive(
      () => "in scope",
      [invocation("{}", "s1")],
      1,
      {
        scope: async (context, invoke) => {
          seen.push(`enter ${context.awsRequestId}`);
          const result = await invoke();
          seen.push(`leave ${context.awsRequestId}`);
          return result;
        },
      },
    );
    assert.deepEqual(seen, ["enter s1", "leave s1"]);
    assert.equal(sent[0].body, '"in scope"');
  });

  await t.step(
    "falls back to the default formatter when a custom one throws",
    async () => {
      const { sent } = await drive(
        () => {
          throw new Error("original");
        },
        [invocation("{}")],
        1,
        {
          formatError: () => {
            throw new Error("formatter broke");
          },
        },
      );
      assert.equal(sent[0].report?.errorMessage, "original");
    },
  );
});
