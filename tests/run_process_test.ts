// run() as a process: what it does when it is not on Lambda, and when its Runtime API is gone.
import assert from "node:assert/strict";
import { createServer } from "node:http";

const echo = new URL("../examples/echo/main.ts", import.meta.url).pathname;

async function runEcho(env: Record<string, string>) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--allow-net=127.0.0.1", "--allow-env", echo],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stderr: new TextDecoder().decode(output.stderr),
  };
}

Deno.test("run() as a process", async (t) => {
  await t.step(
    "outside Lambda, it says how to run locally and exits 1",
    async () => {
      const { code, stderr } = await runEcho({});
      assert.equal(code, 1);
      assert.match(stderr, /AWS_LAMBDA_RUNTIME_API is not set/);
      assert.match(stderr, /emulator/);
      assert.equal(stderr.trim().split("\n").length, 1);
    },
  );

  await t.step(
    "with no Runtime API listening, it retries briefly and exits 1 with the reason",
    async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      listener.close();
      const { code, stderr } = await runEcho({
        AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      });
      assert.equal(code, 1);
      // Briefly: five retries, each logged, then one FATAL line and the exit.
      const retries = stderr.split("\n").filter((l) =>
        /retrying in \d+ ms/.test(l)
      );
      assert.equal(retries.length, 5);
      assert.match(stderr, /FATAL\tThe runtime stops: Runtime API next failed/);
    },
  );

  await t.step(
    "when the Runtime API goes away after an invocation, it answers that one, retries, and exits 1",
    async () => {
      const responses: string[] = [];
      let polls = 0;
      const server = createServer((request, response) => {
        if (request.url?.endsWith("/invocation/next")) {
          polls++;
          if (polls > 1) {
            // Gone: this poll is cut and nothing listens any more.
            server.close();
            server.closeAllConnections();
            return;
          }
          response.writeHead(200, {
            "lambda-runtime-aws-request-id": "only-one",
            "lambda-runtime-deadline-ms": String(Date.now() + 5000),
          });
          response.end('"last words"');
          return;
        }
        let body = "";
        request.on("data", (chunk) => body += chunk);
        request.on("end", () => {
          responses.push(`${request.url} ${body}`);
          response.writeHead(202).end();
        });
      });
      await new Promise<void>((resolve) =>
        server.listen(0, "127.0.0.1", resolve)
      );
      const port = (server.address() as { port: number }).port;
      await using _server = {
        [Symbol.asyncDispose]: async () => {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        },
      };
      const { code, stderr } = await runEcho({
        AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      });
      assert.equal(responses.length, 1);
      assert.match(
        responses[0],
        /^\/2018-06-01\/runtime\/invocation\/only-one\/response \{"message":"ECHO: last words"/,
      );
      assert.equal(code, 1);
      assert.match(stderr, /retrying in/);
      assert.match(stderr, /The runtime stops: Runtime API next failed/);
    },
  );

  await t.step(
    "a malformed AWS_LAMBDA_RUNTIME_API is named in the error",
    async () => {
      const { code, stderr } = await runEcho({
        AWS_LAMBDA_RUNTIME_API: "nonsense",
      });
      assert.equal(code, 1);
      assert.match(stderr, /host:port, got "nonsense"/);
    },
  );
});
