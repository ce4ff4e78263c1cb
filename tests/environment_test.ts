// Reading the reserved variables: typed, defaulted, validated with errors that say what to do.
import assert from "node:assert/strict";
import { readEnvironment } from "../src/runtime.ts";

const base = { AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" };

Deno.test("readEnvironment", async (t) => {
  await t.step("reads every reserved variable", () => {
    const env = readEnvironment({
      ...base,
      AWS_LAMBDA_FUNCTION_NAME: "orders",
      AWS_LAMBDA_FUNCTION_VERSION: "7",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
      AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/orders",
      AWS_LAMBDA_LOG_STREAM_NAME: "2026/11/25/[7]abc",
      AWS_REGION: "eu-central-1",
      _HANDLER: "main.handler",
      LAMBDA_TASK_ROOT: "/var/task",
      AWS_LAMBDA_INITIALIZATION_TYPE: "provisioned-concurrency",
      AWS_LAMBDA_MAX_CONCURRENCY: "8",
      AWS_LAMBDA_LOG_FORMAT: "JSON",
      AWS_LAMBDA_LOG_LEVEL: "debug",
      AWS_LAMBDA_FUNCTION_TIMEOUT: "30",
    });
    assert.deepEqual(env, {
      runtimeApi: "127.0.0.1:9001",
      functionName: "orders",
      functionVersion: "7",
      memorySizeMB: 512,
      logGroupName: "/aws/lambda/orders",
      logStreamName: "2026/11/25/[7]abc",
      region: "eu-central-1",
      handler: "main.handler",
      taskRoot: "/var/task",
      initializationType: "provisioned-concurrency",
      maxConcurrency: 8,
      logFormat: "JSON",
      logLevel: "DEBUG",
      functionTimeoutSeconds: 30,
    });
  });

  await t.step("is frozen: one configuration no step can change", () => {
    const env = readEnvironment(base);
    assert.ok(Object.isFrozen(env));
    assert.throws(() => {
      (env as { functionName: string }).functionName = "changed";
    }, TypeError);
  });

  await t.step("defaults what Lambda may leave unset", () => {
    const env = readEnvironment(base);
    assert.equal(env.functionVersion, "$LATEST");
    assert.equal(env.memorySizeMB, 128);
    assert.equal(env.maxConcurrency, 1);
    assert.equal(env.logFormat, "Text");
  });

  await t.step(
    "explains how to run locally when AWS_LAMBDA_RUNTIME_API is missing",
    () => {
      assert.throws(() => readEnvironment({}), (error: Error) => {
        assert.equal(error.name, "EnvironmentError");
        assert.match(error.message, /AWS_LAMBDA_RUNTIME_API is not set/);
        assert.match(error.message, /emulator/);
        return true;
      });
    },
  );

  await t.step("rejects a Runtime API address that is not host:port", () => {
    assert.throws(
      () =>
        readEnvironment({ AWS_LAMBDA_RUNTIME_API: "http://127.0.0.1:9001/" }),
      { name: "EnvironmentError", message: /host:port/ },
    );
  });

  await t.step("rejects malformed numbers, naming the variable", () => {
    assert.throws(
      () => readEnvironment({ ...base, AWS_LAMBDA_MAX_CONCURRENCY: "two" }),
      { name: "EnvironmentError", message: /AWS_LAMBDA_MAX_CONCURRENCY/ },
    );
    assert.throws(
      () => readEnvironment({ ...base, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "0" }),
      { name: "EnvironmentError", message: /AWS_LAMBDA_FUNCTION_MEMORY_SIZE/ },
    );
  });

  await t.step("reads from anything with a get method", () => {
    const source = new Map(
      Object.entries({ ...base, AWS_LAMBDA_FUNCTION_NAME: "m" }),
    );
    assert.equal(readEnvironment(source).functionName, "m");
  });
});

Deno.test("the package version matches deno.json", async () => {
  const { VERSION } = await import("../src/core/version.ts");
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  );
  assert.equal(VERSION, config.version);
});
