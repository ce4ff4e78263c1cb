// Failures the emulator shows as Lambda shows them (issue 16): each starts a real function process.
import assert from "node:assert/strict";
import { startEmulator } from "../local/mod.ts";
import { createMemoryLimits } from "../local/src/memory.ts";
import { leftoverIn } from "./_leftover.ts";
import { emulate, fixture, type TestEmulator } from "./_emulator.ts";

const faults = fixture("fixtures/lambda_faults.ts");

/** Waits until the emulator has written a line that passes `test` (a barrier, not a delay). */
async function lineMatching(
  lambda: TestEmulator,
  test: (line: string) => boolean,
): Promise<string> {
  for (;;) {
    const found = lambda.lines.find(({ line }) => test(line));
    if (found !== undefined) return found.line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("an empty request body", async (t) => {
  await using lambda = await emulate(faults);

  await t.step("reaches the handler as {} as on Lambda", async () => {
    const response = await lambda.invoke("");
    assert.equal(response.headers.get("x-amz-function-error"), null);
    assert.deepEqual(await response.json(), {});
  });
});

Deno.test("Lambda's words for a runtime that exits", async (t) => {
  await t.step(
    "an exit with status 0 during an invocation gives no reason",
    async () => {
      await using lambda = await emulate(faults);
      const { body, requestId } = await lambda.call({ do: "exit-0" });
      assert.deepEqual(body, {
        errorMessage:
          `RequestId: ${requestId} Error: Runtime exited without providing a reason`,
        errorType: "Runtime.ExitError",
      });
    },
  );

  await t.step(
    "an exit during init is a Runtime.ExitError with the exit status",
    async () => {
      await using emulator = await startEmulator({
        command: ["sh", "-c", "exit 1"],
        port: 0,
        output: () => {},
      });
      const response = await emulator.invoke("{}");
      const requestId = response.headers.get("x-amzn-requestid");
      assert.deepEqual(await response.json(), {
        errorMessage:
          `RequestId: ${requestId} Error: Runtime exited with error: exit status 1`,
        errorType: "Runtime.ExitError",
      });
    },
  );
});

Deno.test("after the deadline only the timeout reaches the caller", async (t) => {
  await using lambda = await emulate(faults, { timeout: 0.5 });

  await t.step(
    "a handler that answers when its signal aborts is Sandbox.Timedout",
    async () => {
      const { functionError, body } = await lambda.call({
        do: "answer-at-deadline",
      });
      assert.equal(functionError, "Unhandled");
      assert.equal(body.errorType, "Sandbox.Timedout");
    },
  );

  await t.step(
    "a handler that only waits on the signal, letting Deno exit 0, is Sandbox.Timedout",
    async () => {
      const { body } = await lambda.call({ do: "wait-on-signal" });
      assert.equal(body.errorType, "Sandbox.Timedout");
    },
  );
});

Deno.test("a slow init", async (t) => {
  await t.step(
    "cut at the init limit runs again inside the first invocation and succeeds",
    async () => {
      await using lambda = await emulate(faults, {
        env: { INIT_MS: "600" },
        initTimeout: 0.2,
        timeout: 5,
      });
      const { functionError, body } = await lambda.call({ n: 1 });
      assert.equal(functionError, null);
      assert.deepEqual(body, { n: 1 });
      assert.ok(
        lambda.lines.some(({ line }) =>
          /^INIT_REPORT Init Duration: \S+ ms\tPhase: init\tStatus: timeout$/
            .test(line)
        ),
      );
    },
  );

  await t.step(
    "that hangs past the function timeout in the suppressed init is Sandbox.Timedout",
    async () => {
      await using lambda = await emulate(faults, {
        env: { INIT_MS: "60000" },
        initTimeout: 0.2,
        timeout: 0.5,
      });
      const { body } = await lambda.call({ n: 1 });
      assert.equal(body.errorType, "Sandbox.Timedout");
    },
  );
});

Deno.test("hostile callers", async (t) => {
  await using lambda = await emulate(faults, { headersTimeout: 0.2 });
  const port = Number(new URL(lambda.url).port);

  /** Sends `text` on a new connection and reads what comes back until the emulator closes it. */
  async function exchange(text: string): Promise<string> {
    using connection = await Deno.connect({ hostname: "127.0.0.1", port });
    if (text !== "") await connection.write(new TextEncoder().encode(text));
    let received = "";
    const buffer = new Uint8Array(4096);
    for (;;) {
      const read = await connection.read(buffer).catch(() => null);
      if (read === null) return received;
      received += new TextDecoder().decode(buffer.subarray(0, read));
    }
  }

  await t.step(
    "a connection that sends nothing is closed with a JSON 408 at the header timeout",
    async () => {
      const answer = await exchange("");
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.match(
        answer,
        /"message":"The request's headers did not arrive in time"/,
      );
    },
  );

  await t.step("a 100 KB header gets a JSON error", async () => {
    const answer = await exchange(
      "POST /2015-03-31/functions/function/invocations HTTP/1.1\r\n" +
        `host: 127.0.0.1\r\nx-big: ${"a".repeat(100_000)}\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 431 /);
    assert.match(answer, /content-type: application\/json/);
    assert.match(answer, /"Type":"User"/);
  });

  await t.step(
    "a Content-Length over 6 MB is refused before the body is sent",
    async () => {
      using connection = await Deno.connect({ hostname: "127.0.0.1", port });
      await connection.write(
        new TextEncoder().encode(
          "POST /2015-03-31/functions/function/invocations HTTP/1.1\r\n" +
            "host: 127.0.0.1\r\ncontent-length: 300000000\r\n\r\n{",
        ),
      );
      const buffer = new Uint8Array(4096);
      const read = await connection.read(buffer);
      const head = new TextDecoder().decode(buffer.subarray(0, read ?? 0));
      assert.match(head, /^HTTP\/1\.1 413 /);
      assert.match(head, /RequestTooLargeException/);
    },
  );
});

Deno.test("reserved concurrency", async (t) => {
  await using lambda = await emulate(faults, {
    reservedConcurrency: 1,
    timeout: 1,
  });

  await t.step(
    "a caller beyond it gets 429 TooManyRequestsException with Lambda's body",
    async () => {
      const first = lambda.call({ do: "answer-at-deadline" });
      await lineMatching(lambda, (line) => line.startsWith("START"));
      const response = await lambda.invoke("{}");
      assert.equal(response.status, 429);
      assert.equal(
        response.headers.get("x-amzn-errortype"),
        "TooManyRequestsException",
      );
      assert.deepEqual(await response.json(), {
        Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
        Type: "User",
        message: "Rate Exceeded.",
      });
      await first;
    },
  );
});

Deno.test("the sized heap's limit", async (t) => {
  await using lambda = await emulate(faults, {
    denoFlags: ["--v8-flags=--max-old-space-size=24"],
    timeout: 30,
  });

  await t.step(
    "is reported as Runtime.OutOfMemory, with a clear line",
    async () => {
      const { requestId } = await lambda.call({ do: "heap" });
      const report = await lineMatching(
        lambda,
        (line) => line.startsWith(`REPORT RequestId: ${requestId}`),
      );
      assert.match(
        report,
        /\tStatus: error\tError Type: Runtime\.OutOfMemory$/,
      );
      assert.ok(
        lambda.lines.some(({ line, source }) =>
          source === "platform" &&
          /V8 reached its heap limit, which is sized to --memory 128 MB/.test(
            line,
          )
        ),
      );
    },
  );
});

Deno.test("between invocations the function is frozen", async (t) => {
  await using lambda = await emulate(faults);

  await t.step(
    "a timer that outlives its invocation fires inside the next one and fails it",
    async () => {
      const { body: first } = await lambda.call({ do: "exit-later" });
      assert.equal(first, "returned");
      // Long past the timer's 150 ms: unfrozen, the process would have died by now and been replaced.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const { body } = await lambda.call({ do: "pid" });
      assert.equal(body.errorType, "Runtime.ExitError");
      assert.match(body.errorMessage, /exit status 5$/);
    },
  );
});

const probe = await createMemoryLimits(128);
await probe.close();

Deno.test({
  name: "memory cgroups left by a killed emulator",
  ignore: probe.location === undefined,
  fn: async (t) => {
    await t.step(
      "are removed at start, with the process still running in one",
      async () => {
        const { group: stale, process } = await leftoverIn(
          probe.location!.parent,
        );
        await using leftover = process;
        await using _lambda = await emulate(faults);
        assert.equal((await leftover.status).signal, "SIGKILL");
        // Which emulator names it is not asserted: any emulator starting beside this one (a parallel test, a
        // second suite on a busy machine) sweeps the same stale groups, and the first to start does it.
        const exists = await new Deno.Command("test", { args: ["-d", stale] })
          .output();
        assert.equal(exists.success, false);
      },
    );
  },
});

Deno.test("a process that dies between invocations", async (t) => {
  await using lambda = await emulate(faults);

  await t.step(
    "is named in a platform line, and the next invocation starts a new one",
    async () => {
      const { body: before } = await lambda.call({ do: "pid" });
      Deno.kill(before.pid, "SIGKILL");
      const line = await lineMatching(
        lambda,
        (line) =>
          line.startsWith("The function process ended between invocations"),
      );
      assert.match(line, /\(signal: killed\)/);
      const { body: after } = await lambda.call({ do: "pid" });
      assert.notEqual(after.pid, before.pid);
    },
  );
});
