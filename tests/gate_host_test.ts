// `--host` beyond loopback: the emulator starts on the wildcard address, warns, and its control plane answers only
// requests signed with its key pair. The test binds nothing itself and reaches the emulator through 127.0.0.1 only.
import assert from "node:assert/strict";
import {
  LambdaClient,
  ListFunctionsCommand,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { startControlPlane } from "./_control_plane.ts";
import { emulatorCommand } from "./_emulator_cli.ts";

const KEY = "AKIDGATETEST";
const SECRET = "gate-test-secret";

function client(url: string, secretAccessKey: string): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: KEY, secretAccessKey },
    maxAttempts: 1,
  });
}

Deno.test("--host 0.0.0.0 with --control-plane", async (t) => {
  await using cli = await startControlPlane(["--host", "0.0.0.0"], {
    AWS_ACCESS_KEY_ID: KEY,
    AWS_SECRET_ACCESS_KEY: SECRET,
  });
  const url = `http://127.0.0.1:${new URL(cli.url).port}`;

  await t.step("starts and warns that it listens beyond loopback", () => {
    assert.match(
      cli.output(),
      /WARNING: --host 0\.0\.0\.0 listens beyond loopback/,
    );
  });

  await t.step(
    "refuses an unsigned control-plane call: 403, MissingAuthenticationTokenException",
    async () => {
      const response = await fetch(`${url}/2015-03-31/functions`);
      assert.equal(response.status, 403);
      assert.equal(
        response.headers.get("x-amzn-errortype"),
        "MissingAuthenticationTokenException",
      );
      const body = await response.json();
      assert.equal(body.Type, "User");
      assert.match(body.Message, /not signed/);
    },
  );

  await t.step("refuses a call signed with another secret", async () => {
    await assert.rejects(
      client(url, "not-the-secret").send(new ListFunctionsCommand({})),
      (error: Error) => error.name === "InvalidSignatureException",
    );
  });

  await t.step(
    "answers a call signed with its key pair (the AWS SDK's SigV4)",
    async () => {
      const listed = await client(url, SECRET).send(
        new ListFunctionsCommand({}),
      );
      assert.deepEqual(listed.Functions, []);
    },
  );
});

Deno.test("--host 0.0.0.0 with --control-plane and no key pair to check signatures against will not start", async () => {
  const output = await emulatorCommand(
    ["--control-plane", "--host", "0.0.0.0", "--port", "0"],
    { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" },
  ).output();
  assert.equal(output.code, 1);
  assert.match(
    new TextDecoder().decode(output.stderr),
    /--host 0\.0\.0\.0 with --control-plane requires signed requests: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
  );
});
