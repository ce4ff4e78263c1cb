// Logs as a function process writes them, read back from its stdout and stderr under the emulator.
import assert from "node:assert/strict";
import { emulate, fixture, type TestEmulator } from "./_emulator.ts";
import { XRAY_ERROR_CAUSE_LIMIT } from "../src/xray/error_cause.ts";

const loggingFunction = fixture("fixtures/logging_function.ts");

const TEXT_LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]+)\t(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\t(.*)$/s;

const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

interface Record {
  requestId: string | undefined;
  level: string;
  message: unknown;
  stream: string;
  json?: { [key: string]: unknown };
}

/** Runs `work` against a fresh function, closes it (which drains its output), and parses every line it wrote. */
async function records(
  format: "Text" | "JSON",
  env: { [key: string]: string },
  work: (lambda: TestEmulator) => Promise<void>,
  concurrency = 1,
): Promise<Record[]> {
  let lines: TestEmulator["lines"];
  {
    await using lambda = await emulate(loggingFunction, {
      env: { AWS_LAMBDA_LOG_FORMAT: format, ...env },
      concurrency,
    });
    lines = lambda.lines;
    await work(lambda);
  }
  const parsed: Record[] = [];
  for (const { line, source } of lines) {
    if (source === "platform") continue;
    if (format === "Text") {
      const match = TEXT_LINE.exec(line);
      assert.ok(match, `not a Text record: ${JSON.stringify(line)}`);
      parsed.push({
        requestId: match[2] === "-" ? undefined : match[2],
        level: match[3],
        message: match[4],
        stream: source,
      });
    } else {
      const json = JSON.parse(line);
      assert.match(json.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      parsed.push({
        requestId: json.requestId,
        level: json.level,
        message: json.message,
        stream: source,
        json,
      });
    }
  }
  return parsed;
}

async function invoke(
  lambda: TestEmulator,
  event: unknown,
  headers?: HeadersInit,
): Promise<string> {
  const result = await lambda.call(event, headers);
  assert.equal(result.status, 200);
  assert.ok(result.requestId);
  return result.requestId;
}

Deno.test("logs under the emulator, Text format", async (t) => {
  await t.step(
    "each console method and the logger write one attributed record at its level, WARN and above on stderr",
    async () => {
      let id = "";
      const all = await records("Text", {}, async (lambda) => {
        id = await invoke(lambda, { do: "levels", tag: "T" });
      });
      const mine = all.filter((r) => r.requestId === id);
      // Each stream keeps its order; the two are read separately.
      const written = (stream: string) =>
        mine.filter((r) => r.stream === stream).map((
          r,
        ) => [r.level, r.message]);
      assert.deepEqual(written("stdout"), [
        ["INFO", "log T"],
        ["INFO", "info T"],
        ["DEBUG", "debug T"],
        ["TRACE", "trace T"],
      ]);
      assert.deepEqual(written("stderr"), [
        ["WARN", "warn T"],
        ["ERROR", "error T"],
        ["FATAL", 'fatal {"tag":"T"}'],
      ]);
      assert.equal(all.length, mine.length + 1);
    },
  );

  await t.step(
    "a record written before any invocation (the initializer) has - for a request id",
    async () => {
      const all = await records("Text", {}, async (lambda) => {
        await invoke(lambda, { do: "levels", tag: "T" });
      });
      const outside = all.filter((r) => r.requestId === undefined);
      assert.deepEqual(outside.map((r) => [r.level, r.message]), [
        ["INFO", "initialising"],
      ]);
    },
  );

  await t.step(
    "a multi-line message stays one record, with carriage returns for newlines",
    async () => {
      let id = "";
      const all = await records("Text", {}, async (lambda) => {
        id = await invoke(lambda, { do: "lines", tag: "T" });
      });
      const messages = all.filter((r) => r.requestId === id).map((r) =>
        r.message
      );
      assert.deepEqual(messages, [
        "first line T\rsecond line\rthird line",
        "T has 3 items",
        '{ tag: "T", nested: { list: [ 1, 2, 3 ] } }',
        'structured {"tag":"T","orderId":7}',
        "after a timer T",
      ]);
    },
  );

  await t.step(
    "AWS_LAMBDA_LOG_LEVEL does not filter Text records",
    async () => {
      let id = "";
      const all = await records(
        "Text",
        { AWS_LAMBDA_LOG_LEVEL: "ERROR" },
        async (lambda) => {
          id = await invoke(lambda, { do: "levels", tag: "T" });
        },
      );
      const levels = new Set(
        all.filter((r) => r.requestId === id).map((r) => r.level),
      );
      assert.deepEqual([...levels].sort(), [...LEVELS].sort());
    },
  );

  await t.step("an error is logged with its stack, in one record", async () => {
    let id = "";
    const all = await records("Text", {}, async (lambda) => {
      id = await invoke(lambda, { do: "errors", tag: "T" });
    });
    const [withText, alone] = all.filter((r) => r.requestId === id);
    assert.equal(withText.level, "ERROR");
    assert.match(
      String(withText.message),
      /^failed T RangeError: boom\r {4}at handler \(file:\/\/.*logging_function\.ts:\d+:\d+\)\r/,
    );
    assert.match(String(alone.message), /^TypeError: alone T\r {4}at handler /);
  });

  await t.step(
    "circular, deeply nested, BigInt and very large values are logged and the invocation succeeds",
    async () => {
      let id = "";
      const all = await records("Text", {}, async (lambda) => {
        id = await invoke(lambda, { do: "circular", tag: "T" });
      });
      const messages = all.filter((r) => r.requestId === id).map((r) =>
        String(r.message)
      );
      assert.equal(messages.length, 5);
      assert.equal(messages[0], '<ref *1> { tag: "T", self: [Circular *1] }');
      assert.equal(
        messages[1],
        'with text <ref *1> { tag: "T", self: [Circular *1] }',
      );
      assert.match(messages[2], /deep: \[Object\]/);
      assert.equal(messages[3], '{ tag: "T", big: 10n }');
      assert.match(messages[4], /more items/);
    },
  );

  await t.step(
    "a handler's error is logged by the runtime with its request id",
    async () => {
      const all = await records("Text", {}, async (lambda) => {
        const result = await lambda.call({ do: "throw", tag: "T" });
        assert.equal(result.functionError, "Unhandled");
      });
      const failure = all.find((r) => r.level === "ERROR");
      assert.ok(failure?.requestId);
      assert.match(
        String(failure.message),
        new RegExp(
          `^Invocation ${failure.requestId} failed: SyntaxError: handler failed T .*"stackTrace":\\["at handler `,
        ),
      );
    },
  );

  await t.step(
    "two interleaved concurrent invocations each get their own request id",
    async () => {
      const ids: { [tag: string]: string } = {};
      const all = await records("Text", {}, async (lambda) => {
        const [a, b] = await Promise.all([
          invoke(lambda, { do: "interleave", tag: "a", slot: 0 }),
          invoke(lambda, { do: "interleave", tag: "b", slot: 1 }),
        ]);
        ids.a = a;
        ids.b = b;
      }, 2);
      assertInterleaved(all, ids);
    },
  );
});

Deno.test("logs under the emulator, JSON format", async (t) => {
  await t.step(
    "every line is a record with timestamp, level, requestId, message, and tenantId when the invocation has one",
    async () => {
      const ids: string[] = [];
      const all = await records("JSON", {}, async (lambda) => {
        ids.push(
          await invoke(lambda, { do: "lines", tag: "T" }, {
            "x-amz-tenant-id": "blue",
          }),
        );
        ids.push(await invoke(lambda, { do: "lines", tag: "U" }));
      });
      const [tenant, plain] = ids.map((id) =>
        all.filter((r) => r.requestId === id)
      );
      assert.equal(tenant.length, 5);
      assert.equal(plain.length, 5);
      for (const record of tenant) assert.equal(record.json?.tenantId, "blue");
      for (const record of plain) {
        assert.equal("tenantId" in record.json!, false);
      }
      const initial = all.find((r) => r.message === "initialising");
      assert.equal("requestId" in initial!.json!, false);
    },
  );

  await t.step(
    "objects stay structured, fields are top-level, a multi-line message is one record",
    async () => {
      let id = "";
      const all = await records("JSON", {}, async (lambda) => {
        id = await invoke(lambda, { do: "lines", tag: "T" });
      });
      const mine = all.filter((r) => r.requestId === id);
      assert.equal(mine[0].message, "first line T\nsecond line\nthird line");
      assert.deepEqual(mine[2].message, {
        tag: "T",
        nested: { list: [1, 2, 3] },
      });
      assert.equal(mine[3].message, "structured");
      assert.equal(mine[3].json?.orderId, 7);
      assert.equal(mine[3].json?.tag, "T");
    },
  );

  await t.step(
    "AWS_LAMBDA_LOG_LEVEL keeps that level and the more severe ones",
    async () => {
      for (const [index, level] of LEVELS.entries()) {
        let id = "";
        const all = await records("JSON", {
          AWS_LAMBDA_LOG_LEVEL: level.toLowerCase(),
        }, async (lambda) => {
          id = await invoke(lambda, { do: "levels", tag: "T" });
        });
        const written = all.filter((r) => r.requestId === id).map((r) =>
          r.level
        );
        assert.deepEqual(
          [...new Set(written)].sort(),
          LEVELS.slice(index).sort(),
          `with AWS_LAMBDA_LOG_LEVEL=${level}`,
        );
      }
    },
  );

  await t.step(
    "errors carry errorType, errorMessage and stackTrace",
    async () => {
      let id = "";
      const all = await records("JSON", {}, async (lambda) => {
        id = await invoke(lambda, { do: "errors", tag: "T" });
      });
      const [withText, alone] = all.filter((r) => r.requestId === id);
      assert.equal(withText.json?.errorType, "RangeError");
      assert.equal(withText.json?.errorMessage, "boom");
      assert.match(
        String((withText.json?.stackTrace as string[])[1]),
        /at handler/,
      );
      const error = alone.message as { [key: string]: unknown };
      assert.equal(error.errorType, "TypeError");
      assert.equal(error.errorMessage, "alone T");
      assert.equal((error.stackTrace as string[])[0], "TypeError: alone T");
    },
  );

  await t.step(
    "circular, BigInt and too-deep values become inspected text",
    async () => {
      let id = "";
      const all = await records("JSON", {}, async (lambda) => {
        id = await invoke(lambda, { do: "circular", tag: "T" });
      });
      const mine = all.filter((r) => r.requestId === id);
      assert.equal(mine.length, 5);
      assert.equal(
        mine[0].message,
        '<ref *1> { tag: "T", self: [Circular *1] }',
      );
      assert.match(String(mine[2].message), /deep: \[Object\]/);
      assert.equal(mine[3].message, '{ tag: "T", big: 10n }');
      assert.equal((mine[4].message as string[]).length, 200_000);
    },
  );

  await t.step(
    "a handler's error is logged by the runtime with type, message and stack",
    async () => {
      let id = "";
      const all = await records("JSON", {}, async (lambda) => {
        const result = await lambda.call({ do: "throw", tag: "T" }, {
          "x-amz-tenant-id": "red",
        });
        id = result.requestId ?? "";
      });
      const failure = all.find((r) =>
        r.requestId === id && r.level === "ERROR"
      );
      assert.equal(failure?.json?.errorType, "SyntaxError");
      assert.equal(failure?.json?.errorMessage, "handler failed T");
      assert.equal(failure?.json?.tenantId, "red");
      assert.match(
        String((failure?.json?.stackTrace as string[])[0]),
        /^at handler /,
      );
    },
  );

  await t.step(
    "two interleaved concurrent invocations each get their own request id",
    async () => {
      const ids: { [tag: string]: string } = {};
      const all = await records("JSON", {}, async (lambda) => {
        const [a, b] = await Promise.all([
          invoke(lambda, { do: "interleave", tag: "a", slot: 0 }),
          invoke(lambda, { do: "interleave", tag: "b", slot: 1 }),
        ]);
        ids.a = a;
        ids.b = b;
      }, 2);
      assertInterleaved(all, ids);
    },
  );
});

Deno.test("X-Ray and the User-Agent, against a Runtime API stub", async (t) => {
  const seen = await againstStub();

  await t.step("_X_AMZN_TRACE_ID holds the invocation's trace id", () => {
    assert.deepEqual(JSON.parse(seen.responses.get("with-trace")!), {
      env:
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    });
  });

  await t.step(
    "_X_AMZN_TRACE_ID is cleared for an invocation without one",
    () => {
      assert.deepEqual(JSON.parse(seen.responses.get("without-trace")!), {
        env: null,
      });
    },
  );

  await t.step("a handler error sends the X-Ray error cause header", () => {
    const header = seen.errorHeaders?.get(
      "lambda-runtime-function-xray-error-cause",
    );
    assert.ok(header, "no X-Ray error cause header");
    assert.ok(header.length <= XRAY_ERROR_CAUSE_LIMIT);
    const cause = JSON.parse(header);
    assert.equal(cause.working_directory, seen.taskRoot);
    assert.equal(cause.exceptions.length, 1);
    assert.equal(cause.exceptions[0].type, "SyntaxError");
    assert.equal(cause.exceptions[0].message, "handler failed X");
    const top = cause.exceptions[0].stack[0];
    assert.equal(top.path, loggingFunction);
    assert.equal(top.label, "handler");
    assert.equal(typeof top.line, "number");
    assert.ok(cause.paths.includes(loggingFunction));
    assert.equal(
      seen.errorHeaders?.get("lambda-runtime-function-error-type"),
      "SyntaxError",
    );
  });

  await t.step(
    "every request identifies the runtime as rtl-lambda/<version>",
    () => {
      assert.ok(seen.userAgents.length >= 4);
      for (const agent of seen.userAgents) {
        assert.match(agent, /^rtl-lambda\/\d+\.\d+\.\d+/);
      }
    },
  );
});

function assertInterleaved(all: Record[], ids: { [tag: string]: string }) {
  assert.notEqual(ids.a, ids.b);
  const steps = all.filter((r) => / step \d$/.test(String(r.message)));
  // The fixture makes them alternate: a0 b0 a1 b1..., so a global "current request" would misattribute.
  assert.deepEqual(steps.map((r) => r.message), [
    "a step 0",
    "b step 0",
    "a step 1",
    "b step 1",
    "a step 2",
    "b step 2",
    "a step 3",
    "b step 3",
  ]);
  for (const record of steps) {
    assert.equal(record.requestId, ids[String(record.message)[0]]);
  }
}

interface StubResult {
  responses: Map<string, string>;
  errorHeaders: Headers | undefined;
  userAgents: string[];
  taskRoot: string;
}

/** Runs the fixture against a small Runtime API that hands out three invocations and records what comes back. */
async function againstStub(): Promise<StubResult> {
  const taskRoot = fixture("fixtures");
  const queue = [
    {
      id: "with-trace",
      body: { do: "trace-env" },
      trace:
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    },
    { id: "without-trace", body: { do: "trace-env" } },
    { id: "failing", body: { do: "throw", tag: "X" } },
  ];
  const result: StubResult = {
    responses: new Map(),
    errorHeaders: undefined,
    userAgents: [],
    taskRoot,
  };
  const done = Promise.withResolvers<void>();
  const stop = new AbortController();
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      result.userAgents.push(request.headers.get("user-agent") ?? "");
      const path = new URL(request.url).pathname;
      if (path.endsWith("/invocation/next")) {
        const next = queue.shift();
        if (next === undefined) {
          // Nothing more: hold the long poll until the test ends.
          await new Promise((resolve) =>
            stop.signal.addEventListener("abort", resolve)
          );
          return new Response(null, { status: 503 });
        }
        const headers: { [key: string]: string } = {
          "lambda-runtime-aws-request-id": next.id,
          "lambda-runtime-deadline-ms": String(Date.now() + 10_000),
          "lambda-runtime-invoked-function-arn":
            "arn:aws:lambda:us-east-1:123456789012:function:f",
        };
        if (next.trace) headers["lambda-runtime-trace-id"] = next.trace;
        return Response.json(next.body, { headers });
      }
      const match = /\/invocation\/([^/]+)\/(response|error)$/.exec(path);
      if (match) {
        const body = await request.text();
        if (match[2] === "response") result.responses.set(match[1], body);
        else {
          result.errorHeaders = request.headers;
          done.resolve();
        }
        return new Response(null, { status: 202 });
      }
      return new Response("unexpected", { status: 404 });
    },
  );
  // Disposed in reverse: the function first, then the held long poll is let go, then the server.
  using _release = { [Symbol.dispose]: () => stop.abort() };
  await using child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-env",
      "--allow-net=127.0.0.1",
      loggingFunction,
    ],
    env: {
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.addr.port}`,
      LAMBDA_TASK_ROOT: taskRoot,
      ...passThrough(["PATH", "HOME", "DENO_DIR"]),
    },
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const first = await Promise.race([
    done.promise.then(() => undefined),
    child.status,
  ]);
  if (first !== undefined) {
    throw new Error(`the function exited early (code ${first.code})`);
  }
  return result;
}

function passThrough(keys: string[]): { [key: string]: string } {
  const env: { [key: string]: string } = {};
  for (const key of keys) {
    const value = Deno.env.get(key);
    if (value !== undefined) env[key] = value;
  }
  return env;
}
