// The emulator's parts, each on its own: the invoke API with a fake dispatcher, the Runtime API server with
// fake routes, the supervisor with a real short-lived process, the Telemetry API's validation, the platform lines.
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { serveInvokeApi, type Submission } from "../local/src/invoke_api.ts";
import {
  deliverEvent,
  startRuntimeApiServer,
} from "../local/src/runtime_api_server.ts";
import { createSupervisor } from "../local/src/supervisor.ts";
import { createMemoryLimits } from "../local/src/memory.ts";
import { subscriptionProblem } from "../local/src/telemetry_api.ts";
import { exitWords, reportLine } from "../local/src/platform_lines.ts";
import { functionEnvironment } from "../local/src/environment.ts";
import { runShutdownPhase } from "../local/src/shutdown_phase.ts";
import type { Outcome } from "../local/src/_outcome.ts";

const encoder = new TextEncoder();

Deno.test("the invoke API on its own", async (t) => {
  const submitted: string[] = [];
  const api = await serveInvokeApi({
    hostname: "127.0.0.1",
    port: 0,
    functionName: "f",
    portInUse: (host, port) => new Error(`${host}:${port} busy`),
    submit({ event }): Submission {
      submitted.push(new TextDecoder().decode(event));
      return {
        id: "id-1",
        outcome: Promise.resolve<Outcome>(
          { kind: "response", body: event, contentType: "application/json" },
        ),
      };
    },
  });
  await using _ = { [Symbol.asyncDispose]: () => api.shutdown() };
  const url = `http://127.0.0.1:${api.port}/2015-03-31/functions/f/invocations`;

  await t.step(
    "hands an accepted event to submit and relays its outcome",
    async () => {
      const response = await fetch(url, { method: "POST", body: '{"a":1}' });
      assert.equal(await response.text(), '{"a":1}');
      assert.equal(response.headers.get("x-amzn-requestid"), "id-1");
      assert.deepEqual(submitted, ['{"a":1}']);
    },
  );

  await t.step("refuses an event over 6 MB without submitting it", async () => {
    const response = await fetch(url, {
      method: "POST",
      body: new Uint8Array(6_291_457),
    });
    await response.body?.cancel();
    assert.equal(response.status, 413);
    assert.equal(submitted.length, 1);
  });
});

Deno.test("the Runtime API server on its own", async (t) => {
  const settled: Outcome[] = [];
  const polls: ServerResponse[] = [];
  const server = await startRuntimeApiServer({
    next: (poll) => polls.push(poll),
    initError: () => {},
    find: (id) =>
      id === "req-1"
        ? { invocationId: "inv-1" }
        : id === "late"
        ? "timed out"
        : undefined,
    answer: (_, outcome) => void settled.push(outcome),
    stream: () => {},
    platform: () => {},
  });
  await using _ = { [Symbol.asyncDispose]: () => server.close() };
  const base = `http://${server.address}/2018-06-01/runtime`;

  await t.step("answers /next with what deliverEvent hands it", async () => {
    const next = fetch(`${base}/invocation/next`);
    while (polls.length === 0) await new Promise((r) => setTimeout(r, 5));
    deliverEvent(polls[0], {
      id: "req-1",
      invocationId: "inv-1",
      event: encoder.encode("{}"),
      deadlineMs: 42,
      arn: "arn",
      traceId: "Root=1",
    });
    const response = await next;
    assert.equal(await response.text(), "{}");
    assert.equal(response.headers.get("lambda-runtime-deadline-ms"), "42");
  });

  await t.step("settles an invocation with its response", async () => {
    const response = await fetch(`${base}/invocation/req-1/response`, {
      method: "POST",
      body: '"done"',
    });
    assert.equal(response.status, 202);
    await response.body?.cancel();
    assert.equal(settled.length, 1);
    assert.equal(settled[0].kind, "response");
  });

  await t.step("answers a timed-out invocation's reply with 410", async () => {
    const response = await fetch(`${base}/invocation/late/response`, {
      method: "POST",
      body: '"late"',
    });
    assert.equal(response.status, 410);
    await response.body?.cancel();
    assert.equal(settled.length, 1);
  });
});

Deno.test("the supervisor on its own", async (t) => {
  await using limits = Object.assign(await createMemoryLimits(128), {
    async [Symbol.asyncDispose]() {
      await limits.close();
    },
  });

  await t.step(
    "reports an exit during init with the process's status",
    async () => {
      const exited = Promise.withResolvers<[boolean, Deno.CommandStatus]>();
      const supervisor = createSupervisor({
        command: ["sh", "-c", "exit 7"],
        env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
        output: () => {},
        limits,
        initLimitMs: 10_000,
        onExit: (instance, status) => exited.resolve([instance.ready, status]),
      });
      supervisor.spawn();
      const [ready, status] = await exited.promise;
      assert.equal(ready, false);
      assert.equal(status.code, 7);
      assert.equal(supervisor.current, undefined);
    },
  );

  await t.step(
    "cuts an init at its limit and says so",
    async () => {
      const exited = Promise.withResolvers<boolean>();
      const supervisor = createSupervisor({
        command: ["sleep", "600"],
        env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
        output: () => {},
        limits,
        initLimitMs: 50,
        onExit: (instance) => exited.resolve(instance.initTimedOut),
      });
      supervisor.spawn();
      assert.equal(await exited.promise, true);
    },
  );
});

Deno.test("the Telemetry API's validation", async (t) => {
  await t.step("refuses a TCP destination", () => {
    assert.match(
      subscriptionProblem({
        schemaVersion: "2022-12-13",
        destination: { protocol: "TCP", URI: "x" },
        types: ["function"],
      }) ?? "",
      /protocol must be HTTP/,
    );
  });
});

Deno.test("the platform lines", async (t) => {
  await t.step("name a signal as Go does", () => {
    assert.equal(
      exitWords({ success: false, code: 137, signal: "SIGKILL" }),
      "signal: killed",
    );
  });

  await t.step("carry a timeout's status in REPORT", () => {
    assert.match(
      reportLine({
        requestId: "r",
        durationMs: 3000.4,
        memoryMb: 128,
        maxMemoryBytes: 40 * 1048576,
        status: "timeout",
      }),
      /Billed Duration: 3001 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: timeout$/,
    );
  });

  await t.step("let the user's variables win over the reserved ones", () => {
    const env = functionEnvironment({
      runtimeApi: "127.0.0.1:1",
      functionName: "f",
      memory: 256,
      concurrency: 1,
      region: "eu-west-1",
      cwd: "/task",
      env: { TZ: "Europe/Paris" },
    });
    assert.equal(env.TZ, "Europe/Paris");
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "256");
  });
});

Deno.test("the shutdown phase on its own", async (t) => {
  /** A process that records its signals and exits on the ones it is told to. */
  function fake(exitsOn: Deno.Signal[]) {
    const signals: Deno.Signal[] = [];
    const exited = Promise.withResolvers<void>();
    return {
      signals,
      exited: exited.promise,
      kill(signal: Deno.Signal = "SIGKILL") {
        signals.push(signal);
        if (exitsOn.includes(signal)) exited.resolve();
      },
    };
  }

  await t.step(
    "kills the runtime at once when no extension is registered",
    async () => {
      const runtime = fake(["SIGKILL"]);
      await runShutdownPhase({
        runtime,
        registered: false,
        internal: false,
        externals: [],
        announce: () => Promise.resolve(),
      });
      assert.deepEqual(runtime.signals, ["SIGKILL"]);
    },
  );

  await t.step(
    "sends SIGTERM first, then SHUTDOWN, then SIGKILL to an extension that stays",
    async () => {
      const runtime = fake(["SIGTERM", "SIGKILL"]);
      const extension = fake(["SIGKILL"]);
      const order: string[] = [];
      await runShutdownPhase({
        runtime,
        registered: true,
        internal: false,
        externals: [extension],
        announce: () => {
          order.push("SHUTDOWN");
          return Promise.resolve();
        },
      }, { external: 20, runtimeShare: 10 });
      assert.deepEqual(runtime.signals, ["SIGTERM", "SIGKILL"]);
      assert.deepEqual(order, ["SHUTDOWN"]);
      assert.deepEqual(extension.signals, ["SIGKILL"]);
    },
  );
});
