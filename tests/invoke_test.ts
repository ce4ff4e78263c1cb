// `deno task invoke` in a process of its own, against an emulator running examples/echo and a
// loopback server that answers with a log tail.
import assert from "node:assert/strict";
import { emulate } from "./_emulator.ts";
import { SAMPLES } from "../scripts/invoke/samples.ts";
import { main as invokeMain } from "../scripts/invoke.ts";
import { denoTask, type TaskRun } from "./_task.ts";

const root = new URL("..", import.meta.url).pathname;
const echo = `${root}examples/echo/main.ts`;

function invokeTask(args: string[]): Promise<TaskRun> {
  return denoTask("invoke", args);
}

Deno.test("deno task invoke sends samples and files to an emulator running examples/echo", async (t) => {
  await using emulator = await emulate(echo);

  await t.step(
    "the sqs sample reaches the function and its answer is printed",
    async () => {
      const run = await invokeTask(["sqs", "--url", emulator.url]);
      assert.equal(run.code, 0, run.stderr);
      const answer = JSON.parse(run.stdout);
      assert.match(answer.message, /^ECHO: /);
      assert.deepEqual(
        JSON.parse(answer.message.slice("ECHO: ".length)),
        SAMPLES.sqs.event,
      );
    },
  );

  await t.step("every named sample is sent and answered", async () => {
    // The task's own main, in this process: one process per sample adds nothing the step above does not show.
    const printed: string[] = [];
    const { log, error } = console;
    console.log = console.error = (...data: unknown[]) => {
      printed.push(data.join(" "));
    };
    try {
      for (const name of Object.keys(SAMPLES)) {
        printed.length = 0;
        const code = await invokeMain([name, "--url", emulator.url]);
        assert.equal(code, 0, `${name}: ${printed.join("\n")}`);
        assert.match(printed.join("\n"), /"message": "ECHO: /, name);
      }
    } finally {
      Object.assign(console, { log, error });
    }
  });

  await t.step(
    "the emulator's log tail for that invocation is printed",
    async () => {
      const run = await invokeTask(["schedule", "--url", emulator.url]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stderr,
        /--- log tail ---\n[\s\S]*START RequestId[\s\S]*END RequestId[\s\S]*\n---/,
      );
    },
  );

  await t.step("--file sends the file as it is", async () => {
    const file = await Deno.makeTempFile({ suffix: ".json" });
    try {
      await Deno.writeTextFile(file, '"from a file"');
      const run = await invokeTask(["--file", file, "--url", emulator.url]);
      assert.equal(JSON.parse(run.stdout).message, "ECHO: from a file");
    } finally {
      await Deno.remove(file);
    }
  });

  await t.step("a function error is printed and exits with 1", async () => {
    const run = await invokeTask(["--data", "{}", "--url", emulator.url]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /The function failed \(Unhandled\)/);
    assert.equal(JSON.parse(run.stdout).errorType, "EmptyEventError");
  });

  await t.step("a name the emulator does not run is explained", async () => {
    const run = await invokeTask([
      "sqs",
      "--url",
      emulator.url,
      "--name",
      "other",
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /has no function other/);
  });
});

Deno.test("deno task invoke prints the log tail when the response carries X-Amz-Log-Result", async () => {
  const tail =
    "START RequestId: 1\nhello from the function\nEND RequestId: 1\n";
  let logType: string | null = null;
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      logType = request.headers.get("x-amz-log-type");
      return Response.json({ ok: true }, {
        headers: { "x-amz-log-result": btoa(tail) },
      });
    },
  );
  const run = await invokeTask([
    "schedule",
    "--url",
    `http://127.0.0.1:${server.addr.port}`,
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(logType, "Tail");
  assert.match(run.stderr, /--- log tail ---\n.*\nhello from the function\n/);
});
