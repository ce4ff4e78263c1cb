// A real Hono app (examples/hono) served unchanged through serve(app.fetch), end to end under the emulator.
import assert from "node:assert/strict";
import { emulate, fixture } from "./_emulator.ts";
import { loadEvent } from "./_http.ts";

/** The fields these steps change in a recorded event. */
interface Recorded {
  [field: string]: unknown;
  requestContext: { http: { path: string; method: string } };
  multiValueHeaders: Record<string, string[]>;
}

Deno.test("the Hono example under the emulator", async (t) => {
  // A generous timeout: on a fresh machine the first start may still fetch hono.
  await using emulator = await emulate(fixture("../examples/hono/main.ts"), {
    timeout: 30,
  });

  await t.step(
    "a function URL GET reaches the route with its path parameter, repeated query keys and Lambda context",
    async () => {
      const event = loadEvent<Recorded>("function_url", "get_query");
      event.rawPath = "/hello/Ada";
      event.requestContext.http.path = "/hello/Ada";
      event.rawQueryString = "tag=math&tag=po%C3%A9sie";
      const { status, functionError, body, requestId } = await emulator.call(
        event,
      );
      assert.equal(status, 200);
      assert.equal(functionError, null);
      assert.equal(body.statusCode, 200);
      assert.equal(body.headers["content-type"], "application/json");
      assert.deepEqual(JSON.parse(body.body), {
        hello: "Ada",
        tags: ["math", "poésie"],
        source: "function-url",
        sourceIp: "198.51.100.23",
        requestId,
      });
    },
  );

  await t.step(
    "a REST API POST with a JSON body gets 201 and the body back",
    async () => {
      const event = loadEvent<Recorded>("rest_api", "post_json");
      event.path = "/echo";
      const { body } = await emulator.call(event);
      assert.equal(body.statusCode, 201);
      assert.equal(body.isBase64Encoded, false);
      assert.deepEqual(JSON.parse(body.body), {
        received: { name: "Ada", languages: ["en", "fr"] },
      });
    },
  );

  await t.step(
    "an HTTP API request's cookies are read and new ones come back in cookies",
    async () => {
      const event = loadEvent<Recorded>("http_api", "cookies");
      event.rawPath = "/visits";
      event.cookies = ["visits=41"];
      const { body } = await emulator.call(event);
      assert.equal(body.statusCode, 200);
      assert.deepEqual(JSON.parse(body.body), { visits: 42 });
      assert.deepEqual(body.cookies, [
        "visits=42; Path=/; HttpOnly",
        "last=hono; Path=/",
      ]);
      assert.equal(body.headers["set-cookie"], undefined);
    },
  );

  await t.step(
    "an ALB with multi-value headers gets every Set-Cookie in multiValueHeaders",
    async () => {
      const event = loadEvent<Recorded>("alb_multi_value", "cookies");
      event.path = "/visits";
      event.multiValueHeaders.cookie = ["visits=2"];
      const { body } = await emulator.call(event);
      assert.equal(body.statusDescription, "200 OK");
      assert.deepEqual(body.multiValueHeaders["set-cookie"], [
        "visits=3; Path=/; HttpOnly",
        "last=hono; Path=/",
      ]);
      assert.deepEqual(body.multiValueHeaders["content-type"], [
        "application/json",
      ]);
    },
  );

  await t.step("a path no route matches gets Hono's 404", async () => {
    const { body } = await emulator.call(
      loadEvent<Recorded>("alb", "not_found"),
    );
    assert.equal(body.statusCode, 404);
    assert.equal(body.statusDescription, "404 Not Found");
    assert.equal(body.body, "404 Not Found");
  });

  await t.step("HEAD gets the headers of GET and no body", async () => {
    const event = loadEvent<Recorded>("http_api", "not_found");
    event.rawPath = "/";
    event.requestContext.http.method = "HEAD";
    const { body } = await emulator.call(event);
    assert.equal(body.statusCode, 200);
    assert.match(body.headers["content-type"], /^text\/plain/);
    assert.equal(body.body, "");
  });

  await t.step(
    "a route that throws gets a 500 without the error's message",
    async () => {
      const event = loadEvent<Recorded>("function_url", "not_found");
      event.rawPath = "/fail";
      const { functionError, body } = await emulator.call(event);
      assert.equal(functionError, null);
      assert.equal(body.statusCode, 500);
      assert.doesNotMatch(body.body, /database/);
    },
  );
});

Deno.test("Hono's own hono/aws-lambda adapter given to run()", async (t) => {
  await using emulator = await emulate(
    fixture("./fixtures/hono_adapter_function.ts"),
    { timeout: 30 },
  );

  await t.step("answers an HTTP API event through the route", async () => {
    const event = loadEvent<Recorded>("http_api", "get_query");
    event.rawPath = "/hello/Ada";
    event.requestContext.http.path = "/hello/Ada";
    event.requestContext.http.method = "GET";
    const { functionError, body } = await emulator.call(event);
    assert.equal(functionError, null);
    assert.equal(body.statusCode, 200);
    assert.deepEqual(JSON.parse(body.body), { hello: "Ada" });
  });
});
