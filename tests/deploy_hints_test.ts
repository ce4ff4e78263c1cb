// What `deno task deploy` prints: only what it does, and an invoke command the AWS CLI (v1 or v2) runs
// as printed against the function it deployed (the echo example, which refuses an empty event).
import assert from "node:assert/strict";
import { echoFixture, ROLE, startControlPlane } from "./_control_plane.ts";
import { hasAwsCli } from "./_aws_cli.ts";
import { denoTask } from "./_task.ts";

const { work, zipPath } = await echoFixture("deploy-hints-test-");
const credentials = {
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_REGION: "us-east-1",
  AWS_DEFAULT_REGION: "us-east-1",
};

Deno.test("deno task deploy says only what it does, and its invoke hint works", async (t) => {
  await using plane = await startControlPlane();
  const deploy = () =>
    denoTask("deploy", [
      "--endpoint-url",
      plane.url,
      "--name",
      "echo-hints",
      "--zip",
      zipPath,
      "--role",
      ROLE,
    ], credentials);

  let printed = "";
  await t.step(
    "a create waits until Active, and prints the invoke command",
    async () => {
      const run = await deploy();
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /waiting until Active/);
      const [, line] = run.stdout.match(/^Invoke it: (.*)$/m) ?? [];
      assert.ok(line, run.stdout);
      assert.doesNotMatch(line, /cli-binary-format/);
      printed = line;
    },
  );

  await t.step(
    "an update of an idle function waits for no update in progress",
    async () => {
      const run = await deploy();
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /UpdateFunctionCode echo-hints/);
      assert.doesNotMatch(run.stderr, /update in progress/);
    },
  );

  await t.step({
    name: "the printed invoke command answers, with the AWS CLI on the machine",
    ignore: !hasAwsCli,
    fn: async () => {
      const { code, stdout, stderr } = await new Deno.Command("sh", {
        args: ["-c", printed],
        cwd: work,
        env: { ...credentials, AWS_PAGER: "" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const decoder = new TextDecoder();
      assert.equal(code, 0, decoder.decode(stderr));
      assert.match(
        decoder.decode(stdout),
        /"message":\s*"ECHO: \{\\"hello\\":\\"world\\"\}"/,
      );
    },
  });
});
