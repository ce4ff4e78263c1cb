// socketTransport: the Runtime API over one raw HTTP/1.1 socket instead of fetch.
import assert from "node:assert/strict";
import { socketTransport } from "../src/runtime.ts";
import { emulate, fixture } from "./_emulator.ts";

Deno.test("a function on socketTransport under the emulator", async (t) => {
  await using lambda = await emulate(fixture("fixtures/socket_function.ts"));

  await t.step("answers invocations in a row from one process", async () => {
    for (let n = 0; n < 50; n++) {
      const { functionError, body } = await lambda.call({ n });
      assert.equal(functionError, null);
      assert.deepEqual(body, { n });
    }
  });

  await t.step("carries a 5 MB event and the same result back", async () => {
    const data = "x".repeat(5 * 1024 * 1024);
    const { functionError, body } = await lambda.call({ data });
    assert.equal(functionError, null);
    assert.equal(body.data.length, data.length);
  });

  await t.step("reports a throw on /error with its type", async () => {
    const { functionError, body } = await lambda.call({ fail: true });
    assert.equal(functionError, "Unhandled");
    assert.equal(body.errorType, "RangeError");
    assert.equal(body.errorMessage, "asked to fail");
  });
});

Deno.test("socketTransport", async (t) => {
  await t.step("refuses a URL on another host", async () => {
    const transport = socketTransport("127.0.0.1:9");
    await assert.rejects(
      transport("http://example.com/2018-06-01/runtime/invocation/next"),
      { name: "TypeError", message: /sends only to http:\/\/127\.0\.0\.1:9/ },
    );
    await assert.rejects(
      transport("http://127.0.0.1:90/x"),
      TypeError,
    );
  });

  await t.step(
    "sends the method, headers and body, and gives status, headers and body back",
    async () => {
      const seen: { method: string; ua: string | null; body: string }[] = [];
      await using server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        async (request) => {
          seen.push({
            method: request.method,
            ua: request.headers.get("user-agent"),
            body: await request.text(),
          });
          return new Response("nope", {
            status: 413,
            headers: { "x-reason": "too big" },
          });
        },
      );
      const host = `127.0.0.1:${server.addr.port}`;
      const response = await socketTransport(host)(`http://${host}/r`, {
        method: "POST",
        headers: { "user-agent": "t/1" },
        body: "payload",
      });
      assert.equal(response.status, 413);
      assert.equal(response.headers.get("x-reason"), "too big");
      assert.equal(await response.text(), "nope");
      assert.deepEqual(seen, [{ method: "POST", ua: "t/1", body: "payload" }]);
    },
  );
});
