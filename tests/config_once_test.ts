// One configuration: run() reads each variable of the environment once, and every layer and step gets that value.
import assert from "node:assert/strict";
import { run } from "../mod.ts";
import { type EnvironmentSource, runLoop } from "../src/runtime.ts";
import { fakeApi, invocation, memoryLogger } from "./_fake_runtime_api.ts";

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
