// One configuration: run() reads each variable of the environment once, and every layer and step gets that value.
import assert from "node:assert/strict";
import { run } from "../mod.ts";
import { type EnvironmentSource, runLoop } from "../src/runtime.ts";
import { fakeApi, invocation, memoryLogger } from "./_fake_runtime_api.ts";
import { emulate, fixture } from "./_emulator.ts";
import { permissionFlags } from "../scripts/build.ts";

/** An environment that counts how often each variable is read. */
function countingEnv(values: Record<string, string>) {
  const reads = new Map<string, number>();
  const source: EnvironmentSource = {
    get(key) {
      reads.set(key, (reads.get(key) ?? 0) + 1);
      return values[key];
    },
  };
  return { source, reads };
}

const variables = {
  AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9",
  AWS_LAMBDA_FUNCTION_NAME: "once",
  AWS_LAMBDA_LOG_FORMAT: "JSON",
  AWS_LAMBDA_LOG_LEVEL: "INFO",
};

Deno.test("the configuration is read once", async (t) => {
  await t.step(
    "run() reads each variable once, and the handler's context shows it",
    async () => {
      const { source, reads } = countingEnv(variables);
      const api = fakeApi([invocation("{}", "a")]);
      const stop = new AbortController();
      const running = run((_event, context) => {
        stop.abort();
        return context.functionName;
      }, {
        // No logger given: the Lambda logger's format comes from the same reading.
        env: source,
        runtimeApi: api,
        signal: stop.signal,
      });
      await api.sentCount(1);
      await running;
      assert.equal(api.sent[0].body, '"once"');
      const twice = [...reads].filter(([, count]) => count > 1);
      assert.deepEqual(twice, []);
      assert.equal(reads.get("AWS_LAMBDA_LOG_FORMAT"), 1);
    },
  );

  await t.step("runLoop reads it once too", async () => {
    const { source, reads } = countingEnv(variables);
    const api = fakeApi([invocation("{}", "a")]);
    const stop = new AbortController();
    const loop = runLoop(() => {
      stop.abort();
      return "ok";
    }, {
      env: source,
      runtimeApi: api,
      logger: memoryLogger(),
      signal: stop.signal,
    });
    await api.sentCount(1);
    await loop;
    assert.deepEqual([...reads].filter(([, count]) => count > 1), []);
  });

  await t.step(
    "installs nothing on import: globalThis.awslambda waits for run()",
    async () => {
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          `await import(${
            JSON.stringify(new URL("../mod.ts", import.meta.url).href)
          });` +
          `console.log(typeof globalThis.awslambda)`,
        ],
        env: { AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9" },
        stdout: "piped",
        stderr: "inherit",
      }).output();
      assert.equal(new TextDecoder().decode(output.stdout).trim(), "undefined");
    },
  );
});

Deno.test("under Lambda, each variable is read once: the logger and globalThis.awslambda read none themselves", async () => {
  const audit = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    // The fixture logs before run() and in its handler, and reads globalThis.awslambda.
    await using emulator = await emulate(fixture("fixtures/config_reads.ts"), {
      permissions: permissionFlags(),
      env: { DENO_AUDIT_PERMISSIONS: audit, AWS_LAMBDA_LOG_FORMAT: "JSON" },
    });
    const { functionError, body } = await emulator.call({});
    assert.equal(functionError, null, JSON.stringify(body));
    assert.deepEqual(body, { awslambda: "object" });
    const checks = new Map<string, number>();
    for (const line of (await Deno.readTextFile(audit)).trim().split("\n")) {
      const entry = JSON.parse(line) as { permission: string; value: string };
      if (entry.permission !== "env") continue;
      checks.set(entry.value, (checks.get(entry.value) ?? 0) + 1);
    }
    // The audit does not tell a write from a read: AWS_EXECUTION_ENV is read, then set; the trace id is set.
    const written = new Map([["AWS_EXECUTION_ENV", 1], [
      "_X_AMZN_TRACE_ID",
      1,
    ]]);
    const more = [...checks].filter(([name, count]) =>
      count > 1 + (written.get(name) ?? 0)
    );
    assert.deepEqual(more, [], JSON.stringify([...checks]));
    assert.equal(checks.get("AWS_LAMBDA_LOG_FORMAT"), 1);
    assert.equal(checks.get("AWS_LAMBDA_RUNTIME_API"), 1);
    // The record before run() is Text (no configuration yet); the handler's follow the configured JSON.
    const lines = emulator.lines.map(({ line }) => line);
    assert.ok(lines.some((line) => /\tINFO\tbefore run\(\)/.test(line)));
    assert.ok(
      lines.some((line) => line.includes('"message":"inside the handler"')),
    );
  } finally {
    await Deno.remove(audit);
  }
});
