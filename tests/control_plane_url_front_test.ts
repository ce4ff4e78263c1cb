// A deployed function's URL on the control plane, called with curl (a client that sends only the headers it
// is told to): the event carries the caller's headers as sent and the host it addressed, and a URL that has
// no config answers Lambda's 403.
import assert from "node:assert/strict";
import {
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionUrlConfigCommand,
  waitUntilFunctionActiveV2,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { serveControlPlane } from "../local/mod.ts";
import { lambdaClient, ROLE, WAITING } from "./_control_plane.ts";
import { shellZip } from "./_shell_function.ts";

/** curl's status and body for `url`, with `args` before it. */
async function curl(
  url: string,
  ...args: string[]
): Promise<{ status: number; body: string }> {
  const { stdout, success } = await new Deno.Command("curl", {
    args: ["-s", "-w", "\n%{http_code}", ...args, url],
    stdout: "piped",
  }).output();
  assert.ok(success, "curl failed");
  const text = new TextDecoder().decode(stdout);
  const at = text.lastIndexOf("\n");
  return { status: Number(text.slice(at + 1)), body: text.slice(0, at) };
}

Deno.test("a deployed function's URL on the control plane", async (t) => {
  await using plane = await serveControlPlane({ port: 0, output: () => {} });
  const lambda = lambdaClient(plane.url);
  const FunctionName = "front";
  const url = `${plane.url}/lambda-url/${FunctionName}/`;
  try {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName,
        Role: ROLE,
        Code: { ZipFile: shellZip() },
      }),
    );
    await waitUntilFunctionActiveV2(
      { client: lambda, ...WAITING },
      { FunctionName },
    );

    await t.step(
      "without a URL config, the path answers Lambda's 403 Forbidden",
      async () => {
        const answer = await curl(`${url}page`);
        assert.equal(answer.status, 403);
        assert.deepEqual(JSON.parse(answer.body), { Message: "Forbidden" });
      },
    );

    await t.step(
      "a name the control plane does not have answers 403 Forbidden too",
      async () => {
        const answer = await curl(`${plane.url}/lambda-url/nobody/`);
        assert.equal(answer.status, 403);
        assert.deepEqual(JSON.parse(answer.body), { Message: "Forbidden" });
      },
    );

    await lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName, AuthType: "NONE" }),
    );

    await t.step(
      "the event's headers are exactly the caller's, with the host it addressed",
      async () => {
        const answer = await curl(
          `${url}page?q=1`,
          "-H",
          "X-Custom: One",
          "-A",
          "front-test/1",
        );
        assert.equal(answer.status, 200);
        const { event } = JSON.parse(answer.body);
        const host = new URL(plane.url).host;
        assert.deepEqual(event.headers, {
          accept: "*/*",
          host,
          "user-agent": "front-test/1",
          "x-custom": "One",
        });
        assert.equal(event.rawPath, "/page");
        assert.equal(event.requestContext.http.userAgent, "front-test/1");
        assert.equal(
          event.requestContext.domainName,
          `${FunctionName}.lambda-url.localhost`,
        );
      },
    );

    await t.step(
      "a caller's own copy of the plane's forwarding header does not pass",
      async () => {
        const answer = await curl(
          url,
          "-H",
          'X-Rtl-Lambda-Caller-Headers: [["x-forged","1"]]',
        );
        const { event } = JSON.parse(answer.body);
        assert.equal(event.headers["x-forged"], undefined);
        assert.equal(event.headers["x-rtl-lambda-caller-headers"], undefined);
      },
    );

    await t.step(
      "after DeleteFunctionUrlConfig the path is 403 again",
      async () => {
        await lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName }));
        const answer = await curl(url);
        assert.equal(answer.status, 403);
        assert.deepEqual(JSON.parse(answer.body), { Message: "Forbidden" });
      },
    );
  } finally {
    lambda.destroy();
  }
});
