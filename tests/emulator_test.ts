// The emulator's own contract: the invoke API callers see, and the Runtime API a runtime sees.
// Here the test plays the runtime: the emulator's "function" is an idle process.
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { PortInUseError, startEmulator } from "../local/mod.ts";
import { fixture } from "./_emulator.ts";
import { startEmulatorCli } from "./_emulator_cli.ts";

const RUNTIME = "/2018-06-01/runtime";

async function idleEmulator(options: { timeout?: number } = {}) {
  const lines: string[] = [];
  const emulator = await startEmulator({
    command: ["sleep", "600"],
    port: 0,
    output: (line) => lines.push(line),
    ...options,
  });
  const base = `http://${emulator.runtimeApi}${RUNTIME}`;
  return Object.assign(emulator, { base, lines });
}

Deno.test("the invoke API", async (t) => {
  await using emulator = await idleEmulator();
  const invocations =
    `${emulator.url}/2015-03-31/functions/function/invocations`;

  await t.step(
    "answers an unknown API path with 404 and how to invoke",
    async () => {
      // Other paths are the function URL (tests/function_url_test.ts).
      const response = await fetch(`${emulator.url}/2015-03-31/nowhere`);
      assert.equal(response.status, 404);
      assert.match((await response.json()).message, /POST \/2015-03-31/);
    },
  );

  await t.step("refuses GET on the invoke path with 405", async () => {
    const response = await fetch(invocations);
    await response.body?.cancel();
    assert.equal(response.status, 405);
  });

  await t.step("answers a DryRun with 204 and runs nothing", async () => {
    const response = await fetch(invocations, {
      method: "POST",
      body: "{}",
      headers: { "x-amz-invocation-type": "DryRun" },
    });
    assert.equal(response.status, 204);
  });

  await t.step("refuses an event over 6 MB with 413", async () => {
    const response = await fetch(invocations, {
      method: "POST",
      body: new Uint8Array(6_291_457),
    });
    assert.equal(response.status, 413);
    assert.equal(
      response.headers.get("x-amzn-errortype"),
      "RequestTooLargeException",
    );
    await response.body?.cancel();
  });

  await t.step("refuses another function's name with 404", async () => {
    const response = await fetch(
      `${emulator.url}/2015-03-31/functions/other/invocations`,
      { method: "POST", body: "{}" },
    );
    assert.equal(response.status, 404);
    await response.body?.cancel();
  });

  await t.step(
    "accepts an asynchronous (Event) invocation with 202 and queues it",
    async () => {
      const response = await fetch(invocations, {
        method: "POST",
        body: '{"async":true}',
        headers: { "x-amz-invocation-type": "Event" },
      });
      assert.equal(response.status, 202);
      const id = response.headers.get("x-amzn-requestid");
      const next = await fetch(`${emulator.base}/invocation/next`);
      assert.equal(next.headers.get("lambda-runtime-aws-request-id"), id);
      assert.equal(await next.text(), '{"async":true}');
      const done = await fetch(`${emulator.base}/invocation/${id}/response`, {
        method: "POST",
        body: "null",
      });
      assert.equal(done.status, 202);
      await done.body?.cancel();
    },
  );
});

Deno.test("the Runtime API", async (t) => {
  await using emulator = await idleEmulator({ timeout: 1 });

  async function invokeAndTake(event = '{"n":1}') {
    const reply = emulator.invoke(event);
    const next = await fetch(`${emulator.base}/invocation/next`);
    const body = await next.text();
    return {
      reply,
      next,
      body,
      id: next.headers.get("lambda-runtime-aws-request-id")!,
    };
  }

  await t.step("hands out the event with Lambda's headers", async () => {
    const before = Date.now();
    const { reply, next, body, id } = await invokeAndTake();
    assert.equal(body, '{"n":1}');
    assert.match(id, /^[0-9a-f-]{36}$/);
    const deadline = Number(next.headers.get("lambda-runtime-deadline-ms"));
    assert.ok(deadline >= before + 1000 && deadline <= Date.now() + 1000);
    assert.equal(
      next.headers.get("lambda-runtime-invoked-function-arn"),
      "arn:aws:lambda:us-east-1:123456789012:function:function",
    );
    assert.match(
      next.headers.get("lambda-runtime-trace-id")!,
      /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    );
    assert.ok(next.headers.get("lambda-runtime-invocation-id"));
    const posted = await fetch(`${emulator.base}/invocation/${id}/response`, {
      method: "POST",
      body: '"done"',
      headers: { "content-type": "application/json" },
    });
    assert.equal(posted.status, 202);
    await posted.body?.cancel();
    const response = await reply;
    assert.equal(await response.text(), '"done"');
    assert.equal(response.headers.get("x-amzn-requestid"), id);
  });

  await t.step("relays an error report with X-Amz-Function-Error", async () => {
    const { reply, id } = await invokeAndTake();
    const report = { errorMessage: "no", errorType: "MyError", stackTrace: [] };
    const posted = await fetch(`${emulator.base}/invocation/${id}/error`, {
      method: "POST",
      body: JSON.stringify(report),
      headers: { "lambda-runtime-function-error-type": "MyError" },
    });
    assert.equal(posted.status, 202);
    await posted.body?.cancel();
    const response = await reply;
    assert.equal(response.headers.get("x-amz-function-error"), "Unhandled");
    assert.deepEqual(await response.json(), report);
  });

  await t.step(
    "answers a response for an unknown request id with 400",
    async () => {
      const posted = await fetch(`${emulator.base}/invocation/nope/response`, {
        method: "POST",
        body: "{}",
      });
      assert.equal(posted.status, 400);
      assert.equal((await posted.json()).errorType, "InvalidRequestID");
    },
  );

  await t.step(
    "answers a second outcome for one invocation with 400",
    async () => {
      const { reply, id } = await invokeAndTake();
      for (const expected of [202, 400]) {
        const posted = await fetch(
          `${emulator.base}/invocation/${id}/response`,
          {
            method: "POST",
            body: "1",
          },
        );
        assert.equal(posted.status, expected);
        await posted.body?.cancel();
      }
      await (await reply).body?.cancel();
    },
  );

  await t.step(
    "refuses a Lambda-Runtime-Invocation-Id of another invocation",
    async () => {
      const { reply, id } = await invokeAndTake();
      const posted = await fetch(`${emulator.base}/invocation/${id}/response`, {
        method: "POST",
        body: "1",
        headers: { "lambda-runtime-invocation-id": "someone-else" },
      });
      assert.equal(posted.status, 400);
      assert.equal((await posted.json()).errorType, "InvalidInvocationId");
      const ok = await fetch(`${emulator.base}/invocation/${id}/response`, {
        method: "POST",
        body: "2",
      });
      await ok.body?.cancel();
      assert.equal(await (await reply).text(), "2");
    },
  );

  await t.step(
    "refuses a response over 6 MB with 413 and ends the invocation with Lambda's Function.ResponseSizeTooLarge",
    async () => {
      const { reply, id } = await invokeAndTake();
      const posted = await fetch(`${emulator.base}/invocation/${id}/response`, {
        method: "POST",
        body: new Uint8Array(6_291_557),
      });
      assert.equal(posted.status, 413);
      assert.equal((await posted.json()).errorType, "RequestEntityTooLarge");
      assert.deepEqual(await (await reply).json(), {
        errorMessage:
          "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        errorType: "Function.ResponseSizeTooLarge",
      });
      const late = await fetch(`${emulator.base}/invocation/${id}/error`, {
        method: "POST",
        body:
          '{"errorMessage":"too big","errorType":"Function.ResponseSizeTooLarge"}',
      });
      assert.equal(late.status, 400);
      await late.body?.cancel();
    },
  );

  await t.step("relays a streamed response chunk by chunk", async () => {
    const { reply, id } = await invokeAndTake();
    const gate = Promise.withResolvers<void>();
    const url = new URL(`${emulator.base}/invocation/${id}/response`);
    const posted = new Promise<number>((resolve, reject) => {
      const request = httpRequest({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: {
          "lambda-runtime-function-response-mode": "streaming",
          "content-type": "text/plain",
          "transfer-encoding": "chunked",
        },
      }, (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      });
      request.on("error", reject);
      request.write("first ");
      gate.promise.then(() => request.end("second"));
    });
    const response = await reply;
    assert.equal(response.headers.get("content-type"), "text/plain");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    // The first chunk arrives while the function still holds the second.
    assert.equal(decoder.decode((await reader.read()).value), "first ");
    gate.resolve();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value);
    }
    assert.equal(rest, "second");
    assert.equal(await posted, 202);
  });

  await t.step(
    "cuts the invoker's stream when the function sends an error trailer",
    async () => {
      const { reply, id } = await invokeAndTake();
      const url = new URL(`${emulator.base}/invocation/${id}/response`);
      const request = httpRequest({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: {
          "lambda-runtime-function-response-mode": "streaming",
          "transfer-encoding": "chunked",
          trailer:
            "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
        },
      }, (response) => response.resume());
      request.write("partial");
      request.addTrailers({
        "Lambda-Runtime-Function-Error-Type": "Error",
        "Lambda-Runtime-Function-Error-Body": btoa(
          JSON.stringify({
            errorMessage: "broke midway",
            errorType: "Error",
            stackTrace: [],
          }),
        ),
      });
      request.end();
      const response = await reply;
      await assert.rejects(response.text());
      for (
        let i = 0;
        i < 100 && !emulator.lines.some((l) => l.includes("broke midway"));
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.ok(
        emulator.lines.some((l) =>
          l.includes("The response stream failed: Error: broke midway")
        ),
      );
    },
  );

  await t.step(
    "answers a response after the timeout with 410 Gone",
    async () => {
      const { reply, id } = await invokeAndTake();
      const response = await reply;
      assert.equal((await response.json()).errorType, "Sandbox.Timedout");
      const late = await fetch(`${emulator.base}/invocation/${id}/response`, {
        method: "POST",
        body: "1",
      });
      assert.equal(late.status, 410);
      await late.body?.cancel();
    },
  );
});

Deno.test("the emulator's start-up", async (t) => {
  await t.step("says which port is busy and what to do", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      await assert.rejects(
        startEmulator({ command: ["sleep", "600"], port: listener.addr.port }),
        (error) =>
          error instanceof PortInUseError && /--port/.test(error.message),
      );
    } finally {
      listener.close();
    }
  });

  await t.step("refuses an empty command", async () => {
    await assert.rejects(startEmulator({ command: [] }), TypeError);
  });

  await t.step(
    "closes at once even while the function is still starting",
    async () => {
      // Closed before setsid has made the function's process group: the process itself is ended.
      for (let i = 0; i < 5; i++) {
        const emulator = await startEmulator({
          command: ["sleep", "600"],
          port: 0,
          output: () => {},
        });
        const closed = emulator.close().then(() => "closed");
        const late = new Promise((resolve) => {
          const timer = setTimeout(() => resolve("still open after 5 s"), 5000);
          closed.finally(() => clearTimeout(timer));
        });
        assert.equal(await Promise.race([closed, late]), "closed");
      }
    },
  );
});

Deno.test("the emulator's command line", async (t) => {
  const cli = fixture("../local/mod.ts");
  const envFunction = fixture("fixtures/env_function.ts");

  await t.step(
    "runs an entry with --env and --env-file variables, and stops on SIGTERM",
    async () => {
      const envFile = await Deno.makeTempFile({ suffix: ".env" });
      await Deno.writeTextFile(
        envFile,
        '# settings\nTABLE=orders\nGREETING="hello world"\n',
      );
      try {
        await using emulator = await startEmulatorCli([
          envFunction,
          "--port",
          "0",
          "--env",
          "STAGE=test",
          "--env-file",
          envFile,
          // A .ts entry gets the deployed grant; variables of its own are declared.
          "--allow",
          "env=TABLE,GREETING,STAGE",
        ]);
        const response = await fetch(
          `${emulator.url}/2015-03-31/functions/function/invocations`,
          {
            method: "POST",
            body: '["TABLE","GREETING","STAGE"]',
          },
        );
        assert.deepEqual(await response.json(), {
          TABLE: "orders",
          GREETING: "hello world",
          STAGE: "test",
        });
        emulator.process.kill("SIGTERM");
        assert.equal((await emulator.process.status).code, 0);
      } finally {
        await Deno.remove(envFile);
      }
    },
  );

  for (
    const [args, message] of [
      [[], /Name the function to run/],
      [["does-not-exist.ts"], /does-not-exist.ts does not exist/],
      [["x.ts", "--timeout", "abc"], /--timeout must be a number of seconds/],
      [["x.ts", "--env", "NOEQUALS"], /--env takes KEY=VALUE/],
      [
        ["x.ts", "--init-timeout", "0"],
        /--init-timeout must be a number of seconds/,
      ],
      [
        ["x.ts", "--reserved-concurrency", "0"],
        /--reserved-concurrency must be a whole number/,
      ],
      [["x.ts", "--bogus"], /Unknown option '--bogus'/],
      [
        [envFunction, "--allow", "everything"],
        /unknown permission flag --allow-everything/,
      ],
    ] as const
  ) {
    await t.step(
      `exits 1 and explains: ${args.join(" ") || "(no arguments)"}`,
      async () => {
        const output = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-P=emulator", "--no-prompt", cli, ...args],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(output.code, 1);
        assert.match(new TextDecoder().decode(output.stderr), message);
      },
    );
  }
});
