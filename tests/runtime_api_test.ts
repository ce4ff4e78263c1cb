// The default Runtime API client against a real HTTP server on loopback: paths, headers, statuses.
import assert from "node:assert/strict";
import {
  createRuntimeApi,
  type Invocation,
  RuntimeApiError,
} from "../src/runtime.ts";
import { USER_AGENT } from "../src/core/runtime_api.ts";

interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}

/** A server whose answer to each request the test chooses. */
function server(answer: (seen: Seen) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const entry = {
        method: request.method,
        path: new URL(request.url).pathname,
        headers: request.headers,
        body: await request.text(),
      };
      seen.push(entry);
      return answer(entry);
    },
  );
  return {
    seen,
    host: `127.0.0.1:${http.addr.port}`,
    [Symbol.asyncDispose]: () => http.shutdown(),
  };
}

const nextHeaders = {
  "lambda-runtime-aws-request-id": "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
  "lambda-runtime-deadline-ms": "1542409706888",
  "lambda-runtime-invoked-function-arn":
    "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime",
  "lambda-runtime-trace-id":
    "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
  "lambda-runtime-invocation-id": "inv-42",
};

Deno.test("createRuntimeApi", async (t) => {
  await t.step("next reads the event and its headers", async () => {
    await using api = server(() =>
      new Response('{"key":"value"}', { headers: nextHeaders })
    );
    const invocation = await createRuntimeApi(api.host).next();
    assert.equal(api.seen[0].method, "GET");
    assert.equal(api.seen[0].path, "/2018-06-01/runtime/invocation/next");
    assert.equal(api.seen[0].headers.get("user-agent"), USER_AGENT);
    assert.equal(invocation.requestId, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    assert.equal(invocation.deadlineMs, 1542409706888);
    assert.equal(invocation.invocationId, "inv-42");
    assert.equal(invocation.body, '{"key":"value"}');
    assert.equal(
      invocation.headers.get("lambda-runtime-invoked-function-arn"),
      nextHeaders["lambda-runtime-invoked-function-arn"],
    );
  });

  await t.step("next marks missing headers instead of throwing", async () => {
    await using api = server(() => new Response("{}"));
    const invocation = await createRuntimeApi(api.host).next();
    assert.equal(invocation.requestId, "");
    assert.ok(Number.isNaN(invocation.deadlineMs));
    assert.equal(invocation.invocationId, undefined);
  });

  await t.step(
    "respond posts the body and echoes the invocation id",
    async () => {
      await using api = server(() => new Response(null, { status: 202 }));
      const client = createRuntimeApi(api.host);
      await client.respond(invocationOf("abc", "inv-1"), '{"ok":true}');
      const post = api.seen[0];
      assert.equal(post.method, "POST");
      assert.equal(post.path, "/2018-06-01/runtime/invocation/abc/response");
      assert.equal(post.body, '{"ok":true}');
      assert.equal(post.headers.get("content-type"), "application/json");
      assert.equal(post.headers.get("lambda-runtime-invocation-id"), "inv-1");
    },
  );

  await t.step(
    "respond sends no invocation id header when next had none",
    async () => {
      await using api = server(() => new Response(null, { status: 202 }));
      await createRuntimeApi(api.host).respond(invocationOf("abc"), "1");
      assert.equal(
        api.seen[0].headers.has("lambda-runtime-invocation-id"),
        false,
      );
    },
  );

  await t.step(
    "fail posts the report as JSON with the error type header",
    async () => {
      await using api = server(() => new Response(null, { status: 202 }));
      await createRuntimeApi(api.host).fail(invocationOf("abc", "inv-2"), {
        errorMessage: "boom",
        errorType: "Handler.Failed",
        stackTrace: ["at x"],
      });
      const post = api.seen[0];
      assert.equal(post.path, "/2018-06-01/runtime/invocation/abc/error");
      assert.equal(
        post.headers.get("lambda-runtime-function-error-type"),
        "Handler.Failed",
      );
      assert.equal(post.headers.get("lambda-runtime-invocation-id"), "inv-2");
      assert.deepEqual(JSON.parse(post.body), {
        errorMessage: "boom",
        errorType: "Handler.Failed",
        stackTrace: ["at x"],
      });
    },
  );

  await t.step(
    "fail delivers an error type a header cannot hold, the body keeping it whole",
    async () => {
      await using api = server(() => new Response(null, { status: 202 }));
      await createRuntimeApi(api.host).fail(invocationOf("a/b c", undefined), {
        errorMessage: "boom",
        errorType: "Bad✓Type\nNext",
        stackTrace: [],
      });
      const post = api.seen[0];
      assert.equal(post.path, "/2018-06-01/runtime/invocation/a%2Fb%20c/error");
      assert.equal(
        post.headers.get("lambda-runtime-function-error-type"),
        // The one header rule for error types (errorTypeHeaderValue), as formatError and the stream's trailer use.
        "Bad_Type_Next",
      );
      assert.equal(JSON.parse(post.body).errorType, "Bad✓Type\nNext");
    },
  );

  await t.step("failInit posts to /init/error", async () => {
    await using api = server(() => new Response(null, { status: 202 }));
    await createRuntimeApi(api.host).failInit({
      errorMessage: "no config",
      errorType: "InitError",
      stackTrace: [],
    });
    assert.equal(api.seen[0].path, "/2018-06-01/runtime/init/error");
    assert.equal(
      api.seen[0].headers.get("lambda-runtime-function-error-type"),
      "InitError",
    );
  });

  for (const status of [400, 403, 410, 413, 500]) {
    await t.step(
      `respond throws a RuntimeApiError with status ${status}`,
      async () => {
        await using api = server(() =>
          new Response(`{"errorMessage":"status ${status}"}`, { status })
        );
        await assert.rejects(
          createRuntimeApi(api.host).respond(invocationOf("abc"), "1"),
          (error: unknown) => {
            assert.ok(error instanceof RuntimeApiError);
            assert.equal(error.status, status);
            assert.equal(error.operation, "response");
            assert.match(error.message, new RegExp(`status ${status}`));
            return true;
          },
        );
      },
    );
  }

  await t.step("a request that gets no answer is sent once more", async () => {
    let calls = 0;
    const flaky = (input: string | URL | Request, init?: RequestInit) => {
      calls++;
      if (calls === 1) return Promise.reject(new TypeError("connection reset"));
      return fetch(input, init);
    };
    await using api = server(() =>
      new Response("{}", { headers: nextHeaders })
    );
    const invocation = await createRuntimeApi(api.host, { transport: flaky })
      .next();
    assert.equal(calls, 2);
    assert.equal(
      invocation.requestId,
      nextHeaders["lambda-runtime-aws-request-id"],
    );
  });

  await t.step(
    "two failures in a row give a RuntimeApiError with status 0",
    async () => {
      const broken = () => Promise.reject(new TypeError("connection refused"));
      await assert.rejects(
        createRuntimeApi("127.0.0.1:1", { transport: broken }).next(),
        { name: "RuntimeApiError", status: 0, message: /connection refused/ },
      );
    },
  );

  await t.step(
    "an unreachable Runtime API gives a RuntimeApiError",
    async () => {
      // Bind a port, then free it: nothing listens there any more.
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      listener.close();
      await assert.rejects(
        createRuntimeApi(`127.0.0.1:${port}`).next(),
        { name: "RuntimeApiError", status: 0 },
      );
    },
  );

  await t.step("next can be stopped by a signal", async () => {
    const { promise: reached, resolve } = Promise.withResolvers<void>();
    const held = Promise.withResolvers<Response>();
    await using api = server(() => {
      resolve();
      return held.promise;
    });
    const stop = new AbortController();
    const pending = createRuntimeApi(api.host).next(stop.signal);
    await reached;
    stop.abort();
    await assert.rejects(pending);
    // Let the server finish the held request so that it can shut down.
    held.resolve(new Response("{}"));
  });
});

function invocationOf(id: string, invocationId?: string): Invocation {
  return {
    requestId: id,
    deadlineMs: Date.now() + 1000,
    invocationId,
    headers: new Headers(),
    body: "{}",
  };
}
