// The emulator CLI's flags, read once through one table into one frozen value.
import assert from "node:assert/strict";
import { CliUsageError, parseCli } from "../local/src/_cli_options.ts";

const noEnv = () => undefined;

Deno.test("the CLI's options are read once into one frozen value", async (t) => {
  await t.step("defaults are Lambda's and the emulator's", () => {
    const options = parseCli(["main.ts"], noEnv);
    assert.equal(options.entry, "main.ts");
    assert.equal(options.name, "function");
    assert.equal(options.flags.port, 9000);
    assert.equal(options.flags.memory, 128);
    assert.equal(options.flags.timeout, 3);
    assert.equal(options.flags["init-timeout"], 10);
    assert.equal(options.flags["reserved-concurrency"], undefined);
  });

  await t.step("the value and its parts cannot be changed", () => {
    const options = parseCli(
      ["main.ts", "--env", "A=1", "--function", "b=b.ts", "--", "x"],
      noEnv,
    );
    assert.ok(Object.isFrozen(options));
    assert.ok(Object.isFrozen(options.flags));
    assert.ok(Object.isFrozen(options.flags.env));
    assert.ok(Object.isFrozen(options.functions));
    assert.deepEqual(options.flags.env, [["A", "1"]]);
    assert.deepEqual(options.functions, [{ name: "b", entry: "b.ts" }]);
    assert.deepEqual(options.args, ["x"]);
  });

  await t.step("Lambda's bounds are inclusive", () => {
    assert.equal(
      parseCli(["m.ts", "--memory", "10240"], noEnv).flags.memory,
      10240,
    );
    assert.equal(
      parseCli(["m.ts", "--timeout", "900"], noEnv).flags.timeout,
      900,
    );
  });

  await t.step(
    "a value that is no whole number says what the flag takes",
    () => {
      assert.throws(
        () => parseCli(["m.ts", "--memory", "128.5"], noEnv),
        (error: unknown) =>
          error instanceof CliUsageError && !error.showUsage &&
          /--memory must be a number of MB/.test(error.message),
      );
    },
  );

  await t.step("an unknown flag comes with the usage", () => {
    assert.throws(
      () => parseCli(["m.ts", "--bogus"], noEnv),
      (error: unknown) => error instanceof CliUsageError && error.showUsage,
    );
  });

  await t.step(
    "the S3 endpoint and the credentials come from the environment given",
    () => {
      const env: Record<string, string> = {
        AWS_ENDPOINT_URL: "http://127.0.0.1:4569",
        AWS_ACCESS_KEY_ID: "id",
        AWS_SECRET_ACCESS_KEY: "secret",
      };
      const options = parseCli(["m.ts", "--control-plane"], (key) => env[key]);
      assert.equal(options.s3Endpoint, "http://127.0.0.1:4569");
      assert.deepEqual(options.credentials, {
        accessKeyId: "id",
        secretAccessKey: "secret",
      });
    },
  );
});
