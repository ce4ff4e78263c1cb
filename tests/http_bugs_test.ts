// Issue 18's bugs, one step each: what other Lambda HTTP adapters do and this one did not.
import assert from "node:assert/strict";
import {
  createStreamingHttpHandler,
  toRequest,
  toResult,
} from "../src/http/mod.ts";
import { handle, loadEvent, quiet, withContext } from "./_http.ts";

Deno.test("issue 18 bugs", async (t) => {
  await t.step(
    "1. an ALB without multi-value headers sends the first Set-Cookie and names the dropped ones",
    async () => {
      const warnings: string[] = [];
      const headers = new Headers();
      headers.append("set-cookie", "first=1");
      headers.append("set-cookie", "second=2");
      headers.append("set-cookie", "third=3");
      const result = await toResult(
        new Response("x", { headers }),
        loadEvent("alb", "cookies"),
        { warn: (message) => warnings.push(message) },
      ) as { headers: Record<string, string> };
      assert.equal(result.headers["set-cookie"], "first=1");
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /second, third/);
    },
  );

  await t.step(
    "2. a header value outside Latin-1 is served, percent-encoded as UTF-8",
    async () => {
      const event = loadEvent("alb", "get_query") as {
        headers: Record<string, string>;
      };
      event.headers["x-city"] = "炎 city 100%";
      const result = await handle(
        event,
        (request) => new Response(request.headers.get("x-city")),
      );
      assert.equal(result.statusCode, 200);
      assert.equal(result.body, "%E7%82%8E city 100%25");
      assert.equal(decodeURIComponent(result.body as string), "炎 city 100%");
      const v2 = loadEvent("function_url", "cookies") as { cookies: string[] };
      v2.cookies.push("city=炎");
      assert.match(toRequest(v2).headers.get("cookie")!, /city=%E7%82%8E$/);
    },
  );

  await t.step(
    "3. the request's Content-Length is its body's, whatever the event says",
    async () => {
      const event = loadEvent("http_api", "post_json") as {
        headers: Record<string, string>;
        body: string;
      };
      event.headers["content-length"] = "3";
      for (
        const body of [
          event.body,
          '{"city":"炎","e":"é","smile":"😀","lone":"\ud800"}',
        ]
      ) {
        event.body = body;
        const request = toRequest(event);
        const bytes = await request.bytes();
        assert.equal(
          request.headers.get("content-length"),
          String(bytes.byteLength),
        );
      }
    },
  );

  await t.step(
    "4. a text body without Content-Type gains no Content-Type",
    () => {
      const event = loadEvent("http_api", "post_json") as {
        headers: Record<string, string>;
      };
      delete event.headers["content-type"];
      const request = toRequest(event);
      assert.equal(request.headers.get("content-type"), null);
    },
  );

  await t.step("5. a +yaml response is text, not base64", async () => {
    const result = await toResult(
      new Response("a: 1\n", {
        headers: { "content-type": "custom/vdn+yaml" },
      }),
      loadEvent("http_api", "get_query"),
    );
    assert.equal(result.isBase64Encoded, false);
    assert.equal(result.body, "a: 1\n");
  });

  await t.step(
    "6. stage: keep puts the stage back when a REST API's requestContext.path lacks it",
    () => {
      const event = loadEvent("rest_api", "get_query") as {
        requestContext: Record<string, unknown>;
      };
      event.requestContext.path = "/hello";
      assert.equal(
        new URL(toRequest(event, { stage: "keep" }).url).pathname,
        "/prod/hello",
      );
    },
  );

  await t.step(
    "7. a HEAD request to a streaming handler streams no body",
    async () => {
      const event = loadEvent("function_url", "get_query") as {
        requestContext: { http: { method: string } };
      };
      event.requestContext.http.method = "HEAD";
      const body = await withContext(async (context) =>
        await createStreamingHttpHandler(() => new Response("not for HEAD"), {
          logger: quiet,
        })(event, context)
      );
      const text = await new Response(body).text();
      assert.ok(text.endsWith("\0".repeat(8)), JSON.stringify(text));
    },
  );
});
