// The Lambda logger in-process: formats, levels, attribution, the console patch, X-Ray causes.
import assert from "node:assert/strict";
import { logger as defaultLogger } from "../mod.ts";
import {
  createContext,
  formatError,
  type LambdaEnvironment,
  type Logger,
  runLoop,
} from "../src/runtime.ts";
import type { LogLevel } from "../src/core/logger.ts";
import { readConfiguration } from "../src/core/environment.ts";
import {
  formatJsonRecord,
  formatLogMessage,
  formatTextRecord,
} from "../src/logging/_format.ts";
import {
  createLambdaLogger,
  installLogging,
  logAttribution,
  logScope,
  patchConsole,
  useAsyncAttribution,
  withLogAttribution,
} from "../src/logging/lambda_logger.ts";
import {
  XRAY_ERROR_CAUSE_HEADER,
  XRAY_ERROR_CAUSE_LIMIT,
  xrayErrorCause,
  xrayErrorHeaders,
} from "../src/xray/error_cause.ts";
import { fakeApi, invocation } from "./_fake_runtime_api.ts";
import { barrier } from "./_barrier.ts";

const TEXT_LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]+)\t([A-Z]+)\t(.*)$/s;

function collecting(
  options: { format?: "Text" | "JSON"; level?: string } = {},
) {
  const records: { record: string; level: LogLevel }[] = [];
  const logger = createLambdaLogger({
    ...options,
    sink: (record, level) => records.push({ record, level }),
  });
  return { logger, records };
}

function head(requestId?: string, tenantId?: string) {
  return {
    timestamp: "2024-05-06T07:08:09.010Z",
    level: "INFO" as const,
    requestId,
    tenantId,
  };
}

function circular(): Record<string, unknown> {
  const value: Record<string, unknown> = { name: "loop" };
  value.self = value;
  return value;
}

const environment: LambdaEnvironment = {
  runtimeApi: "-",
  functionName: "f",
  functionVersion: "$LATEST",
  memorySizeMB: 128,
  logGroupName: "",
  logStreamName: "",
  region: "",
  handler: "",
  taskRoot: "/var/task",
  initializationType: "on-demand",
  maxConcurrency: 1,
  logFormat: "Text",
  logLevel: "",
};

Deno.test("formatLogMessage", async (t) => {
  await t.step("fills printf-style specifiers in a leading string", () => {
    assert.equal(
      formatLogMessage([
        "%s: %d items, %i whole, %f ratio, %j, 100%%",
        "cart",
        3,
        "4.7",
        "0.5",
        { a: 1 },
      ]),
      'cart: 3 items, 4 whole, 0.5 ratio, {"a":1}, 100%',
    );
  });

  await t.step("appends the arguments left over, objects inspected", () => {
    assert.equal(
      formatLogMessage(["total", 3, { n: [1] }]),
      "total 3 { n: [ 1 ] }",
    );
  });

  await t.step("leaves specifiers without an argument as written", () => {
    assert.equal(formatLogMessage(["%s and %s", "one"]), "one and %s");
  });

  await t.step("inspects a leading non-string, cycles marked", () => {
    assert.match(formatLogMessage([circular()]), /\[Circular \*1\]/);
  });

  await t.step("does not throw for a proxy that throws on every access", () => {
    const hostile = new Proxy({}, {
      get() {
        throw new Error("no");
      },
      ownKeys() {
        throw new Error("no");
      },
      getOwnPropertyDescriptor() {
        throw new Error("no");
      },
    });
    assert.equal(typeof formatLogMessage(["value", hostile]), "string");
    assert.equal(
      typeof formatLogMessage(["%j %s", hostile, hostile]),
      "string",
    );
  });
});

Deno.test("Text records", async (t) => {
  await t.step(
    "are timestamp, request id, level and message, tab-separated",
    () => {
      const line = formatTextRecord(head("req-1"), ["hello", "world"]);
      assert.equal(line, "2024-05-06T07:08:09.010Z\treq-1\tINFO\thello world");
    },
  );

  await t.step(
    "turn newlines into carriage returns so one call is one record",
    () => {
      const line = formatTextRecord(head("req-1"), [
        "one\ntwo",
        new Error("three"),
      ]);
      assert.equal(line.includes("\n"), false);
      assert.match(line, /one\rtwo Error: three\r {4}at /);
    },
  );

  await t.step("say - outside an invocation", () => {
    assert.match(formatTextRecord(head(), ["x"]), /^[^\t]+\t-\tINFO\tx$/);
  });

  await t.step(
    "append structured fields as JSON, and leave the tenant out",
    () => {
      const line = formatTextRecord(head("r", "blue"), ["placed"], {
        orderId: 7,
      });
      assert.equal(
        line,
        '2024-05-06T07:08:09.010Z\tr\tINFO\tplaced {"orderId":7}',
      );
    },
  );
});

Deno.test("JSON records", async (t) => {
  await t.step(
    "carry timestamp, level, requestId, tenantId and message",
    () => {
      assert.deepEqual(
        JSON.parse(formatJsonRecord(head("r", "blue"), ["hi"])),
        {
          timestamp: "2024-05-06T07:08:09.010Z",
          level: "INFO",
          requestId: "r",
          tenantId: "blue",
          message: "hi",
        },
      );
    },
  );

  await t.step("leave out tenantId and requestId when there are none", () => {
    const record = JSON.parse(formatJsonRecord(head(), ["hi"]));
    assert.equal("tenantId" in record, false);
    assert.equal("requestId" in record, false);
  });

  await t.step("keep a single object structured, not stringified twice", () => {
    const record = JSON.parse(
      formatJsonRecord(head("r"), [{ a: { b: [1, 2] } }]),
    );
    assert.deepEqual(record.message, { a: { b: [1, 2] } });
  });

  await t.step(
    "give a single Error as errorType, errorMessage and stackTrace",
    () => {
      const error = Object.assign(new RangeError("out"), { code: "E_RANGE" });
      const record = JSON.parse(formatJsonRecord(head("r"), [error]));
      assert.equal(record.message.errorType, "RangeError");
      assert.equal(record.message.errorMessage, "out");
      assert.equal(record.message.code, "E_RANGE");
      assert.equal(record.message.stackTrace[0], "RangeError: out");
      assert.match(record.message.stackTrace[1], /^ {4}at /);
    },
  );

  await t.step(
    "lift the first Error among several arguments to the top level",
    () => {
      const record = JSON.parse(
        formatJsonRecord(head("r"), ["failed", 42, new TypeError("bad")]),
      );
      assert.match(record.message, /^failed 42 TypeError: bad\n/);
      assert.equal(record.errorType, "TypeError");
      assert.equal(record.errorMessage, "bad");
      assert.ok(record.stackTrace.length > 1);
    },
  );

  await t.step(
    "add fields at the top level without overriding the record's own keys",
    () => {
      const record = JSON.parse(
        formatJsonRecord(head("r"), ["placed"], {
          orderId: 7,
          level: "x",
          message: "y",
        }),
      );
      assert.equal(record.orderId, 7);
      assert.equal(record.level, "INFO");
      assert.equal(record.message, "placed");
    },
  );

  await t.step("write a circular object as its inspected text", () => {
    const record = JSON.parse(formatJsonRecord(head("r"), [circular()]));
    assert.equal(typeof record.message, "string");
    assert.match(record.message, /\[Circular \*1\]/);
  });

  await t.step(
    "write a circular field as text and keep the other fields",
    () => {
      const record = JSON.parse(
        formatJsonRecord(head("r"), ["m"], {
          loop: circular(),
          ok: 1,
          big: 2n,
        }),
      );
      assert.match(record.loop, /\[Circular \*1\]/);
      assert.equal(record.ok, 1);
      assert.equal(record.big, "2n");
    },
  );

  await t.step("survive nesting too deep for JSON.stringify", () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 200_000; i++) deep = { deep };
    const record = JSON.parse(formatJsonRecord(head("r"), [deep]));
    assert.match(record.message, /deep/);
  });

  await t.step("are always one line", () => {
    const line = formatJsonRecord(head("r"), ["a\nb\r\nc", { text: "d\ne" }]);
    assert.equal(line.includes("\n"), false);
  });
});

Deno.test("createLambdaLogger", async (t) => {
  await t.step("filters below the level it is given", () => {
    const { logger, records } = collecting({ format: "JSON", level: "warn" });
    logger.trace("t");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    logger.fatal("f");
    logger.log("INFO", "console-style");
    assert.deepEqual(
      records.map((r) => JSON.parse(r.record).level),
      ["WARN", "ERROR", "FATAL"],
    );
    assert.equal(logger.isEnabled("INFO"), false);
    assert.equal(logger.isEnabled("ERROR"), true);
  });

  await t.step("writes every level when the level is unknown", () => {
    const { logger, records } = collecting({ format: "JSON", level: "LOUD" });
    logger.trace("t");
    assert.equal(records.length, 1);
    assert.equal(logger.level, "TRACE");
  });

  await t.step(
    "attributes records to the invocation of the async context",
    async () => {
      // Overlapping invocations: what run() switches on when concurrency > 1.
      await useAsyncAttribution();
      const { logger, records } = collecting({ format: "JSON" });
      // Each round, both wait for the other: their records interleave, a0 b0 a1 b1 …
      const together = barrier(2);
      await Promise.all([
        withLogAttribution({ requestId: "a" }, async () => {
          for (let i = 0; i < 3; i++) {
            logger.info(`a${i}`);
            await together.arrive();
          }
        }),
        withLogAttribution({ requestId: "b", tenantId: "t" }, async () => {
          for (let i = 0; i < 3; i++) {
            logger.info(`b${i}`);
            await together.arrive();
          }
        }),
      ]);
      const parsed = records.map((r) => JSON.parse(r.record));
      assert.deepEqual(
        parsed.map((r) => r.message),
        ["a0", "b0", "a1", "b1", "a2", "b2"],
      );
      for (const record of parsed) {
        assert.equal(record.requestId, record.message[0]);
        assert.equal(
          record.tenantId,
          record.message[0] === "b" ? "t" : undefined,
        );
      }
      assert.equal(logAttribution(), undefined);
    },
  );

  await t.step(
    "takes requestId and tenantId from fields (the loop's own messages)",
    () => {
      const { logger, records } = collecting();
      logger.error("failed", {
        requestId: "req-9",
        tenantId: "t",
        errorType: "E",
      });
      assert.match(
        records[0].record,
        /^[^\t]+\treq-9\tERROR\tfailed \{"errorType":"E"\}$/,
      );
    },
  );

  await t.step("never throws, whatever the sink or the value does", () => {
    const logger = createLambdaLogger({
      sink: () => {
        throw new Error("disk full");
      },
    });
    logger.info("x", { loop: circular() });
    const hostile = new Proxy({}, {
      get() {
        throw new Error("no");
      },
      ownKeys() {
        throw new Error("no");
      },
    });
    const { logger: collector, records } = collecting({ format: "JSON" });
    collector.info("x", hostile as Record<string, unknown>);
    collector.log("INFO", hostile);
    assert.equal(records.length, 2);
  });
});

Deno.test("logScope", async (t) => {
  await t.step(
    "attributes an invocation's records to its request and tenant",
    async () => {
      const context = createContext(
        invocation("{}", "req-7", { "lambda-runtime-aws-tenant-id": "green" }),
        environment,
      );
      const seen = await logScope(context, async () => {
        await new Promise((r) => setTimeout(r, 1));
        return logAttribution();
      });
      assert.deepEqual(seen, { requestId: "req-7", tenantId: "green" });
    },
  );
});

Deno.test("patchConsole", async (t) => {
  await t.step("routes each console method to its level", () => {
    const { logger, records } = collecting();
    const patched = patchConsole(logger);
    try {
      console.log("l");
      console.info("i");
      console.debug("d");
      console.trace("t");
      console.warn("w");
      console.error("e");
    } finally {
      patched[Symbol.dispose]();
    }
    assert.deepEqual(
      records.map((r) => TEXT_LINE.exec(r.record)?.slice(3, 5)),
      [["INFO", "l"], ["INFO", "i"], ["DEBUG", "d"], ["TRACE", "t"], [
        "WARN",
        "w",
      ], ["ERROR", "e"]],
    );
  });

  await t.step("turns disabled levels into no-ops", () => {
    const { logger, records } = collecting({ format: "JSON", level: "ERROR" });
    const patched = patchConsole(logger);
    try {
      console.log("dropped");
      console.warn("dropped");
      console.error("kept");
    } finally {
      patched[Symbol.dispose]();
    }
    assert.equal(records.length, 1);
  });

  await t.step(
    "puts the original methods back, unless patched again since",
    () => {
      const saved = { ...console };
      try {
        const { logger } = collecting();
        const patched = patchConsole(logger);
        assert.notEqual(console.log, saved.log);
        patched[Symbol.dispose]();
        assert.equal(console.log, saved.log);
        assert.equal(console.error, saved.error);

        const first = patchConsole(logger);
        const second = patchConsole(logger);
        const secondLog = console.log;
        first[Symbol.dispose]();
        assert.equal(console.log, secondLog);
        second[Symbol.dispose]();
        assert.notEqual(console.log, secondLog);
      } finally {
        Object.assign(console, saved);
      }
    },
  );

  await t.step("does not loop when the sink itself calls console", () => {
    const original = console.log;
    const seen: unknown[][] = [];
    console.log = (...args: unknown[]) => seen.push(args);
    const logger = createLambdaLogger({
      sink: (record) => console.log(record),
    });
    const patched = patchConsole(logger);
    try {
      console.log("once");
    } finally {
      patched[Symbol.dispose]();
      console.log = original;
    }
    assert.equal(seen.length, 1);
    assert.match(String(seen[0][0]), /\tINFO\tonce$/);
  });

  await t.step(
    "formats arguments into the message for any other Logger",
    () => {
      const messages: string[] = [];
      const plain: Logger = {
        trace: (m) => messages.push(`TRACE ${m}`),
        debug: (m) => messages.push(`DEBUG ${m}`),
        info: (m) => messages.push(`INFO ${m}`),
        warn: (m) => messages.push(`WARN ${m}`),
        error: (m) => messages.push(`ERROR ${m}`),
        fatal: (m) => messages.push(`FATAL ${m}`),
      };
      const patched = patchConsole(plain);
      try {
        console.warn("%s left", "two", { n: 1 });
      } finally {
        patched[Symbol.dispose]();
      }
      assert.deepEqual(messages, ["WARN two left { n: 1 }"]);
    },
  );
});

Deno.test("installLogging", async (t) => {
  await t.step(
    "takes the format from the configuration, and the level only with JSON",
    () => {
      const read = (format: string, level: string) =>
        readConfiguration({
          AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
          AWS_LAMBDA_LOG_FORMAT: format,
          AWS_LAMBDA_LOG_LEVEL: level,
        }).environment;
      const text = installLogging({ environment: read("text", "ERROR") });
      text[Symbol.dispose]();
      const json = installLogging({ environment: read("json", "error") });
      json[Symbol.dispose]();
      const textLogger = text.logger as ReturnType<typeof createLambdaLogger>;
      const jsonLogger = json.logger as ReturnType<typeof createLambdaLogger>;
      assert.equal(textLogger.format, "Text");
      assert.equal(textLogger.level, "TRACE");
      assert.equal(jsonLogger.format, "JSON");
      assert.equal(jsonLogger.level, "ERROR");
    },
  );

  await t.step(
    "makes the exported logger the installed one until disposed",
    () => {
      const { logger, records } = collecting();
      const installation = installLogging({ logger });
      try {
        defaultLogger.warn("through the default", { k: 1 });
        console.info("through console");
      } finally {
        installation[Symbol.dispose]();
      }
      assert.equal(records.length, 2);
      assert.match(records[0].record, /\tWARN\tthrough the default \{"k":1\}$/);
      assert.match(records[1].record, /\tINFO\tthrough console$/);
    },
  );

  await t.step("runs a scope of your own inside the attribution", async () => {
    const order: string[] = [];
    const installation = installLogging({
      logger: collecting().logger,
      scope: (_context, invoke) => {
        order.push(`own scope sees ${logAttribution()?.requestId}`);
        return invoke();
      },
    });
    installation[Symbol.dispose]();
    const context = createContext(invocation("{}", "req-3"), environment);
    await installation.scope(context, () => {
      order.push("handler");
      return Promise.resolve();
    });
    assert.deepEqual(order, ["own scope sees req-3", "handler"]);
  });
});

Deno.test("the loop's error reports", async (t) => {
  await t.step(
    "log the failure with the request id, type, message and stack",
    async () => {
      const { logger, records } = collecting({ format: "JSON" });
      const api = fakeApi([
        invocation("{}", "req-e", { "lambda-runtime-aws-tenant-id": "blue" }),
      ]);
      const stop = new AbortController();
      const loop = runLoop(() => {
        throw new URIError("bad uri");
      }, { runtimeApi: api, environment, logger, signal: stop.signal });
      await api.sentCount(1);
      stop.abort();
      await loop;
      const record = JSON.parse(records[0].record);
      assert.equal(record.level, "ERROR");
      assert.equal(record.requestId, "req-e");
      assert.equal(record.tenantId, "blue");
      assert.equal(record.errorType, "URIError");
      assert.equal(record.errorMessage, "bad uri");
      assert.match(record.stackTrace[0], /^at /);
    },
  );

  await t.step("send the X-Ray error cause header", async () => {
    const api = fakeApi([invocation("{}", "req-x")]);
    const stop = new AbortController();
    const loop = runLoop(() => {
      throw new EvalError("traced");
    }, {
      runtimeApi: api,
      environment,
      logger: collecting().logger,
      signal: stop.signal,
      errorHeaders: xrayErrorHeaders(environment.taskRoot),
    });
    await api.sentCount(1);
    stop.abort();
    await loop;
    const header = api.sent[0].headers?.[XRAY_ERROR_CAUSE_HEADER];
    assert.ok(header);
    const cause = JSON.parse(header);
    assert.equal(cause.working_directory, "/var/task");
    assert.equal(cause.exceptions[0].type, "EvalError");
    assert.equal(cause.exceptions[0].message, "traced");
  });
});

Deno.test("xrayErrorCause", async (t) => {
  await t.step("parses V8 frames into path, line and label", () => {
    const cause = JSON.parse(xrayErrorCause({
      errorType: "Error",
      errorMessage: "m",
      stackTrace: [
        "at handler (file:///var/task/main.ts:3:9)",
        "at file:///var/task/lib%20x.ts:10:2",
        "at new Store (file:///var/task/main.ts:20:5)",
        "at <anonymous>",
      ],
    }, "/var/task"));
    assert.deepEqual(cause.exceptions[0].stack, [
      { path: "/var/task/main.ts", line: 3, label: "handler" },
      { path: "/var/task/lib x.ts", line: 10, label: "anonymous" },
      { path: "/var/task/main.ts", line: 20, label: "new Store" },
      { path: "<anonymous>", label: "anonymous" },
    ]);
    assert.deepEqual(cause.paths, [
      "/var/task/main.ts",
      "/var/task/lib x.ts",
      "<anonymous>",
    ]);
  });

  await t.step(
    "is a valid header value: non-ASCII escaped, same text once parsed",
    async () => {
      const report = formatError(new Error("naïve 🚀\u007f\nline"));
      const header = xrayErrorCause(report, "/var/task");
      assert.match(header, /^[\x20-\x7e]*$/);
      assert.equal(
        JSON.parse(header).exceptions[0].message,
        "naïve 🚀\u007f\nline",
      );
      await new Request("http://127.0.0.1/", { headers: { "x": header } })
        .arrayBuffer();
    },
  );

  await t.step(
    "stays within the size limit, keeping part of the message and the top frames",
    () => {
      const frames = Array.from(
        { length: 20_000 },
        (_, i) => `at f${i} (file:///var/task/m${i}.ts:${i}:1)`,
      );
      const withFrames = xrayErrorCause(
        { errorType: "Error", errorMessage: "short", stackTrace: frames },
        "/var/task",
      );
      assert.ok(withFrames.length <= XRAY_ERROR_CAUSE_LIMIT);
      const cause = JSON.parse(withFrames);
      assert.equal(cause.exceptions[0].message, "short");
      assert.ok(cause.exceptions[0].stack.length > 50);
      assert.equal(cause.exceptions[0].stack[0].label, "f0");

      const huge = xrayErrorCause(
        {
          errorType: "Error",
          errorMessage: "é".repeat(300_000),
          stackTrace: frames,
        },
        "/var/task",
      );
      assert.ok(huge.length <= XRAY_ERROR_CAUSE_LIMIT);
      const cropped = JSON.parse(huge).exceptions[0];
      assert.ok(cropped.message.startsWith("éé"));
      assert.ok(cropped.stack.length > 10);
    },
  );
});
