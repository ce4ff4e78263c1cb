// The emulator's Extensions and Telemetry APIs: the rules of registration over loopback, then real
// processes: the example log shipper as an external extension, onShutdown on SIGTERM, and the CLI.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createExtensionHost } from "../local/src/extension_host.ts";
import {
  createExtensionsApi,
  listenTelemetry,
} from "../src/extensions/client.ts";
import { emulate, fixture } from "./_emulator.ts";
import { startEmulatorCli } from "./_emulator_cli.ts";
import { eventually, freezeState } from "./_frozen.ts";

const deno = Deno.execPath();
const root = new URL("../", import.meta.url).pathname;

/** The host behind a node:http server on loopback, as the emulator serves it. */
async function hostOnLoopback(inInit: () => boolean) {
  const lines: { line: string; source: string }[] = [];
  const host = createExtensionHost({
    output: (line, source) => lines.push({ line, source }),
    inInit,
    functionName: "probe",
  });
  const server = createServer((request, response) => {
    host.handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    host,
    lines,
    api: createExtensionsApi(`127.0.0.1:${port}`),
    base: `http://127.0.0.1:${port}`,
    async close() {
      await host.shutdown(undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A folder holding an executable `log_shipper` that runs the example with least privilege. */
async function shipperFolder(): Promise<{ dir: string; shipped: string }> {
  const dir = await Deno.makeTempDir({ prefix: "extensions_test_" });
  const shipped = `${dir}/shipped.ndjson`;
  await Deno.mkdir(`${dir}/extensions`);
  await Deno.writeTextFile(
    `${dir}/extensions/log_shipper`,
    `#!/bin/sh\nexec "${deno}" run --no-prompt --allow-env --allow-net=127.0.0.1 --allow-write=${dir} "${root}examples/log_shipper/main.ts"\n`,
    { mode: 0o755 },
  );
  return { dir, shipped };
}

Deno.test("emulator Extensions API", async (t) => {
  await t.step(
    "registers an internal extension and answers with an identifier and the function",
    async () => {
      const probe = await hostOnLoopback(() => true);
      try {
        const extension = await probe.api.register("internal-one", ["INVOKE"]);
        assert.match(extension.id, /^[0-9a-f-]{36}$/);
        assert.equal(extension.info.functionName, "probe");
      } finally {
        await probe.close();
      }
    },
  );

  await t.step(
    "refuses an internal extension that asks for SHUTDOWN",
    async () => {
      const probe = await hostOnLoopback(() => true);
      try {
        await assert.rejects(
          probe.api.register("internal-two", ["SHUTDOWN"]),
          { name: "ExtensionsApiError", status: 400 },
        );
      } finally {
        await probe.close();
      }
    },
  );

  await t.step(
    "refuses an internal extension registering after the init phase",
    async () => {
      const probe = await hostOnLoopback(() => false);
      try {
        await assert.rejects(
          probe.api.register("late", []),
          { name: "ExtensionsApiError", status: 403 },
        );
      } finally {
        await probe.close();
      }
    },
  );

  await t.step("refuses the eleventh extension", async () => {
    const probe = await hostOnLoopback(() => true);
    try {
      for (let i = 0; i < 10; i++) await probe.api.register(`e${i}`, []);
      await assert.rejects(
        probe.api.register("e10", []),
        { name: "ExtensionsApiError", status: 400 },
      );
    } finally {
      await probe.close();
    }
  });

  await t.step("answers a poll with an unknown identifier 403", async () => {
    const probe = await hostOnLoopback(() => true);
    try {
      const response = await fetch(
        `${probe.base}/2020-01-01/extension/event/next`,
        { headers: { "lambda-extension-identifier": "nobody" } },
      );
      assert.equal(response.status, 403);
      assert.equal(
        (await response.json()).errorType,
        "Extension.UnknownExtensionIdentifier",
      );
    } finally {
      await probe.close();
    }
  });

  await t.step(
    "delivers INVOKE to a waiting poll with the invocation's metadata",
    async () => {
      const probe = await hostOnLoopback(() => true);
      try {
        const extension = await probe.api.register("watcher", ["INVOKE"]);
        const next = extension.next();
        probe.host.invoke({
          requestId: "req-1",
          deadlineMs: 1_700_000_003_000,
          invokedFunctionArn:
            "arn:aws:lambda:us-east-1:123456789012:function:probe",
          traceId: "Root=1-5f35ae12-0c0fec141ab77a00bc047aa2",
        });
        assert.deepEqual(await next, {
          eventType: "INVOKE",
          deadlineMs: 1_700_000_003_000,
          requestId: "req-1",
          invokedFunctionArn:
            "arn:aws:lambda:us-east-1:123456789012:function:probe",
          tracing: {
            type: "X-Amzn-Trace-Id",
            value: "Root=1-5f35ae12-0c0fec141ab77a00bc047aa2",
          },
        });
      } finally {
        await probe.close();
      }
    },
  );

  await t.step(
    "after init/error, the extension's calls are refused",
    async () => {
      const probe = await hostOnLoopback(() => true);
      try {
        const extension = await probe.api.register("broken", []);
        await extension.initError(
          new Error("no key"),
          "Extension.APIKeyNotFound",
        );
        await assert.rejects(extension.next(), { status: 403 });
        assert.ok(
          probe.lines.some(({ line }) =>
            /Name: broken\tState: InitError\tError Type: Extension.APIKeyNotFound: no key/
              .test(line)
          ),
        );
      } finally {
        await probe.close();
      }
    },
  );

  await t.step(
    "delivers the function's lines to a Telemetry API subscriber",
    async () => {
      const probe = await hostOnLoopback(() => true);
      const received: unknown[] = [];
      const arrived = Promise.withResolvers<void>();
      await using listener = listenTelemetry({
        hostname: "127.0.0.1",
        onEvents: (events) => {
          received.push(...events.map((event) => [event.type, event.record]));
          if (received.length >= 2) arrived.resolve();
        },
      });
      try {
        const extension = await probe.api.register("subscriber", []);
        await extension.subscribeTelemetry({
          uri: listener.uri,
          types: ["function"],
          buffering: { timeoutMs: 25 },
        });
        probe.host.output("first line", "stdout");
        probe.host.output("START RequestId: x", "platform");
        probe.host.output("second line", "stderr");
        await arrived.promise;
        assert.deepEqual(received, [
          ["function", "first line"],
          ["function", "second line"],
        ]);
      } finally {
        await probe.close();
      }
    },
  );

  await t.step(
    "refuses a subscription whose buffering is out of Lambda's range",
    async () => {
      const probe = await hostOnLoopback(() => true);
      try {
        const extension = await probe.api.register("hasty", []);
        await assert.rejects(
          extension.subscribeTelemetry({
            uri: "http://127.0.0.1:1",
            types: ["function"],
            buffering: { timeoutMs: 5 },
          }),
          { status: 400, message: /timeoutMs must be a whole number from 25/ },
        );
      } finally {
        await probe.close();
      }
    },
  );
});

/** Runs `file` under the emulator, invokes it with each event, then closes it (its shutdown phase): its lines and request ids. */
async function runThrough(
  file: string,
  events: unknown[],
  options: Parameters<typeof emulate>[1] = {},
): Promise<{ lines: string[]; ids: (string | null)[] }> {
  const emulator = await emulate(fixture(file), options);
  const ids: (string | null)[] = [];
  try {
    for (const event of events) {
      ids.push((await emulator.call(event)).requestId);
    }
  } finally {
    await emulator.close();
  }
  return { lines: emulator.lines.map(({ line }) => line), ids };
}

Deno.test("extensions and shutdown under the emulator", async (t) => {
  await t.step(
    "the example extension registers, gets each INVOKE with its request id, then SHUTDOWN",
    async () => {
      const { dir, shipped } = await shipperFolder();
      try {
        const { lines, ids } = await runThrough(
          "./fixtures/chatty_function.ts",
          [{ n: 1 }, { n: 2 }, { n: 3 }],
          {
            extensionsDir: `${dir}/extensions`,
            env: { LOG_SHIPPER_FILE: shipped },
          },
        );
        assert.ok(
          lines.includes(
            "EXTENSION\tName: log_shipper\tState: Ready\tEvents: [INVOKE,SHUTDOWN]",
          ),
        );
        const said = lines.filter((line) => line.startsWith("[log_shipper] "));
        assert.match(said[0], /^\[log_shipper\] registered as [0-9a-f-]{36}$/);
        assert.deepEqual(said.slice(1), [
          ...ids.map((id) => `[log_shipper] INVOKE ${id}`),
          "[log_shipper] SHUTDOWN spindown",
        ]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  await t.step(
    "the example extension ships every line the function wrote",
    async () => {
      const { dir, shipped } = await shipperFolder();
      try {
        await runThrough(
          "./fixtures/chatty_function.ts",
          [{ n: 1 }, { n: 2 }],
          {
            extensionsDir: `${dir}/extensions`,
            env: { LOG_SHIPPER_FILE: shipped },
          },
        );
        const records = (await Deno.readTextFile(shipped)).trim().split("\n")
          .flatMap((line) => JSON.parse(line).records)
          .map((entry: { record: string }) => entry.record.split("\t").at(-1));
        assert.deepEqual(records, [
          "chatty: start 1",
          "chatty: done 1",
          "chatty: start 2",
          "chatty: done 2",
        ]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  await t.step(
    "onShutdown's hook runs on SIGTERM and its output appears",
    async () => {
      const { lines } = await runThrough("./fixtures/shutdown_function.ts", [
        { n: 1 },
        { n: 2 },
      ]);
      assert.ok(
        lines.some((line) => /SIGTERM: running 1 shutdown hook/.test(line)),
      );
      assert.ok(
        lines.some((line) =>
          /shutdown hook ran after 2 invocations$/.test(line)
        ),
      );
    },
  );

  await t.step(
    "a hook still running when the budget ends is named, and the function exits",
    async () => {
      const { lines } = await runThrough(
        "./fixtures/shutdown_function.ts",
        [{ n: 1 }],
        { env: { SLOW_HOOK: "1" } },
      );
      assert.ok(
        lines.some((line) =>
          /shutdown hook ran after 1 invocations$/.test(line)
        ),
      );
      assert.ok(
        lines.some((line) =>
          /still running after 400 ms, abandoned: neverEnds$/.test(line)
        ),
      );
    },
  );

  await t.step(
    "with no extension registered, the function gets no SIGTERM",
    async () => {
      const { lines } = await runThrough(
        "./fixtures/shutdown_function.ts",
        [{ n: 1 }],
        { env: { REGISTER: "0" } },
      );
      assert.ok(lines.some((line) => line.endsWith('handled {"n":1}')));
      assert.ok(!lines.some((line) => /SIGTERM reached/.test(line)));
    },
  );

  await t.step(
    "an extension still running when the shutdown phase ends is killed",
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "extensions_test_" });
      try {
        await Deno.mkdir(`${dir}/extensions`);
        await Deno.writeTextFile(
          `${dir}/extensions/stubborn`,
          `#!/bin/sh\nexec "${deno}" run --no-prompt --allow-env --allow-net=127.0.0.1 --allow-write=${dir} "${
            fixture("./fixtures/stubborn_extension.ts")
          }"\n`,
          { mode: 0o755 },
        );
        const { lines } = await runThrough(
          "./fixtures/chatty_function.ts",
          [{ n: 1 }],
          {
            extensionsDir: `${dir}/extensions`,
            env: { STUBBORN_PID_FILE: `${dir}/pid` },
          },
        );
        const pid = Number(await Deno.readTextFile(`${dir}/pid`));
        assert.ok(
          lines.includes("stubborn got SHUTDOWN, and will not leave"),
        );
        assert.throws(() => Deno.kill(pid, "SIGCONT"), Deno.errors.NotFound);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  await t.step(
    "the CLI starts --extensions and runs the shutdown phase after --shutdown-after idle seconds",
    async () => {
      const { dir } = await shipperFolder();
      try {
        await using cli = await startEmulatorCli([
          `${root}examples/echo/main.ts`,
          "--port",
          "0",
          "--extensions",
          `${dir}/extensions`,
          "--shutdown-after",
          "1",
        ]);
        const response = await fetch(
          `${cli.url}/2015-03-31/functions/function/invocations`,
          { method: "POST", body: '"hi"' },
        );
        const requestId = response.headers.get("x-amzn-requestid");
        assert.equal((await response.json()).message, "ECHO: hi");
        const text = await cli.stderr.ended();
        assert.equal((await cli.process.status).code, 0);
        assert.match(text, new RegExp(`\\[log_shipper\\] INVOKE ${requestId}`));
        assert.match(text, /\[log_shipper\] SHUTDOWN spindown/);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
});

/** A folder with the busy extension (background beats; each INVOKE kept until released) and its files. */
async function busyFolder() {
  const dir = await Deno.makeTempDir({ prefix: "extensions_test_" });
  await Deno.mkdir(`${dir}/extensions`);
  await Deno.writeTextFile(
    `${dir}/extensions/busy`,
    `#!/bin/sh\nexec "${deno}" run --no-prompt --allow-env --allow-net=127.0.0.1 --allow-read=${dir} --allow-write=${dir} "${
      fixture("./fixtures/busy_extension.ts")
    }"\n`,
    { mode: 0o755 },
  );
  return {
    dir,
    pid: async () => Number(await Deno.readTextFile(`${dir}/pid`)),
    /** The beats counted so far (none yet: the file is not there; read again). */
    async beats(): Promise<number> {
      for (let i = 0; i < 500; i++) {
        const text = await Deno.readTextFile(`${dir}/beats`).catch(() => "");
        if (/^\d+$/.test(text)) return Number(text);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error(`The busy extension never wrote ${dir}/beats`);
    },
    /** Lets the extension ask for its next event. */
    release: () => Deno.writeTextFile(`${dir}/release`, ""),
  };
}

Deno.test("between invocations the whole sandbox is frozen, external extensions included", async (t) => {
  const busy = await busyFolder();
  const lambda = await emulate(fixture("./fixtures/lambda_faults.ts"), {
    extensionsDir: `${busy.dir}/extensions`,
    env: { BUSY_DIR: busy.dir, BUSY_HOLD: "1" },
  });
  const frozen = async (pid: number) => await freezeState(pid) === "frozen";
  try {
    const extension = await busy.pid();
    let fn = 0;

    await t.step(
      "an extension that has not asked for its next event keeps the sandbox running after the function answered",
      async () => {
        fn = (await lambda.call({ do: "pid" })).body.pid;
        const answered = await busy.beats();
        // Frozen at the function's /next, the extension could count no further beats.
        await eventually(
          "the extension counts beats after the function answered",
          async () => await busy.beats() >= answered + 5,
        );
        assert.equal(await freezeState(fn), "running");
        assert.equal(await freezeState(extension), "running");
      },
    );

    await t.step(
      "once it asks, the function and the extension are frozen and the extension's work stops",
      async () => {
        await busy.release();
        await eventually("the extension is frozen", () => frozen(extension));
        await eventually("the function is frozen", () => frozen(fn));
        const before = await busy.beats();
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(await busy.beats(), before);
      },
    );

    await t.step(
      "the next invocation thaws both and the extension's work resumes",
      async () => {
        const before = await busy.beats();
        assert.equal((await lambda.call({ do: "pid" })).body.pid, fn);
        await eventually(
          "the extension counts beats again",
          async () => await busy.beats() > before,
        );
        await busy.release();
        await eventually("the sandbox freezes again", () => frozen(extension));
      },
    );

    await t.step(
      "a reload kills the frozen function and a new one serves the next invocation",
      async () => {
        lambda.reload();
        await eventually(
          "the frozen function is gone",
          async () => await freezeState(fn) === "gone",
        );
        const next = (await lambda.call({ do: "pid" })).body.pid;
        assert.notEqual(next, fn);
        await busy.release();
        await eventually("the sandbox freezes again", () => frozen(extension));
      },
    );

    await t.step(
      "the shutdown phase thaws the frozen extension and delivers SHUTDOWN",
      async () => {
        await lambda.close();
        const said = lambda.lines.map(({ line }) => line).filter((line) =>
          line.startsWith("busy got ")
        );
        assert.deepEqual(said, [
          "busy got INVOKE",
          "busy got INVOKE",
          "busy got INVOKE",
          "busy got SHUTDOWN",
        ]);
        assert.equal(await freezeState(extension), "gone");
      },
    );
  } finally {
    await lambda.close();
    await Deno.remove(busy.dir, { recursive: true });
  }
});

Deno.test("Ctrl-C as `deno task` delivers it, SIGINT twice, does not cut the shutdown phase short", async () => {
  const busy = await busyFolder();
  try {
    await using cli = await startEmulatorCli([
      fixture("./fixtures/lambda_faults.ts"),
      "--port",
      "0",
      "--extensions",
      `${busy.dir}/extensions`,
      "--env",
      `BUSY_DIR=${busy.dir}`,
      "--env",
      "BUSY_HOLD_SHUTDOWN=1",
    ]);
    const response = await fetch(
      `${cli.url}/2015-03-31/functions/function/invocations`,
      { method: "POST", body: '{"do":"pid"}' },
    );
    const { pid } = await response.json();
    const extension = await busy.pid();
    cli.process.kill("SIGINT");
    await cli.stderr.match(/busy got SHUTDOWN/);
    // The copy `deno task` forwards arrives while the extensions are still shutting down.
    cli.process.kill("SIGINT");
    await busy.release();
    assert.equal((await cli.process.status).code, 0);
    assert.equal(await freezeState(pid), "gone");
    assert.equal(await freezeState(extension), "gone");
  } finally {
    await Deno.remove(busy.dir, { recursive: true });
  }
});
