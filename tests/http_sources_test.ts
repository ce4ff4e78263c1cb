// The sources issue 18 added: WebSocket, VPC Lattice 1.0 and 2.0, incomplete console events, pass-through.
import assert from "node:assert/strict";
import { Hono } from "npm:hono@4.13.19";
import {
  type HttpHandler,
  type HttpInfo,
  type HttpOptions,
  toRequest,
} from "../src/http/mod.ts";
import { detectSource } from "../src/http/_detect.ts";
import { emulate, fixture } from "./_emulator.ts";
import { handle as handleWith, loadEvent } from "./_http.ts";

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:chat";

/** The adapter run in process as the chat function (its ARN in the context). */
function handle(
  event: unknown,
  handler: HttpHandler,
  options: HttpOptions = {},
): Promise<Record<string, unknown>> {
  return handleWith(event, handler, options, {
    headers: { "lambda-runtime-invoked-function-arn": ARN },
  });
}

interface Seen {
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array;
  info: HttpInfo;
}

async function see(
  event: unknown,
  response: () => Response = () => new Response(null, { status: 204 }),
  options: HttpOptions = {},
): Promise<{ seen: Seen; result: Record<string, unknown> }> {
  let seen: Seen | undefined;
  const result = await handle(event, async (request, info) => {
    seen = {
      method: request.method,
      url: request.url,
      headers: [...request.headers],
      body: await request.bytes(),
      info,
    };
    return response();
  }, options);
  assert.ok(seen, "the handler was called");
  return { seen, result };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("WebSocket APIs", async (t) => {
  await t.step("the three events are detected as websocket", () => {
    for (const name of ["connect", "message", "disconnect"]) {
      assert.equal(
        detectSource(loadEvent("websocket", name)),
        "websocket",
        name,
      );
    }
  });

  await t.step(
    "$connect is a GET to /$connect with the handshake's headers and query",
    async () => {
      const { seen } = await see(loadEvent("websocket", "connect"));
      assert.equal(seen.method, "GET");
      assert.equal(
        seen.url,
        "https://abcdef123.execute-api.us-east-1.amazonaws.com/$connect?room=lobby",
      );
      assert.equal(
        new Headers(seen.headers).get("sec-websocket-protocol"),
        "chat, superchat",
      );
      assert.equal(seen.body.byteLength, 0);
    },
  );

  await t.step(
    "info.webSocket names the route, the event type, the connection and the management endpoint",
    async () => {
      const { seen } = await see(loadEvent("websocket", "connect"));
      assert.equal(seen.info.source, "websocket");
      assert.equal(seen.info.sourceIp, "198.51.100.23");
      assert.deepEqual(seen.info.webSocket, {
        routeKey: "$connect",
        eventType: "CONNECT",
        connectionId: "L0SM9cOFvHcCIhw=",
        managementEndpoint:
          "https://abcdef123.execute-api.us-east-1.amazonaws.com/prod",
      });
    },
  );

  await t.step(
    "a message is a POST to /{routeKey} with the message as its body, and no invented headers",
    async () => {
      const event = loadEvent("websocket", "message");
      const { seen } = await see(event);
      assert.equal(seen.method, "POST");
      assert.equal(
        seen.url,
        "https://abcdef123.execute-api.us-east-1.amazonaws.com/sendmessage",
      );
      assert.equal(text(seen.body), event.body);
      assert.deepEqual(seen.headers, []);
      assert.equal(seen.info.webSocket?.messageId, "L0SNBe6HvHcCIhw=");
    },
  );

  await t.step(
    "$disconnect is a POST to /$disconnect with the close code and reason in info",
    async () => {
      const { seen } = await see(loadEvent("websocket", "disconnect"));
      assert.equal(seen.method, "POST");
      assert.equal(new URL(seen.url).pathname, "/$disconnect");
      assert.equal(seen.info.webSocket?.eventType, "DISCONNECT");
      assert.equal(seen.info.webSocket?.disconnectStatusCode, 1001);
      assert.equal(seen.info.webSocket?.disconnectReason, "Going away");
    },
  );

  await t.step(
    "on a custom domain the management endpoint is the API's own host in the function's region",
    async () => {
      const event = loadEvent("websocket", "message") as {
        requestContext: Record<string, unknown>;
      };
      event.requestContext.domainName = "chat.example.com";
      const { seen } = await see(event);
      assert.equal(
        seen.info.webSocket?.managementEndpoint,
        "https://abcdef123.execute-api.us-east-1.amazonaws.com/prod",
      );
    },
  );

  await t.step(
    "the answer is statusCode, headers and body: a 403 refuses the connection, a subprotocol is chosen by header",
    async () => {
      const { result } = await see(
        loadEvent("websocket", "connect"),
        () =>
          new Response(null, {
            status: 403,
            headers: { "sec-websocket-protocol": "chat" },
          }),
      );
      assert.deepEqual(result, {
        statusCode: 403,
        headers: { "sec-websocket-protocol": "chat" },
        body: "",
        isBase64Encoded: false,
      });
    },
  );

  await t.step("a Hono app routes the events by route key", async () => {
    const app = new Hono();
    app.get("/$connect", (c) => c.text("welcome"));
    app.post("/sendmessage", async (c) => c.json(await c.req.json()));
    const connect = await handle(loadEvent("websocket", "connect"), app.fetch);
    assert.equal(connect.body, "welcome");
    const message = await handle(loadEvent("websocket", "message"), app.fetch);
    assert.deepEqual(JSON.parse(message.body as string), {
      action: "sendmessage",
      text: "hello, 炎",
    });
  });
});

Deno.test("VPC Lattice", async (t) => {
  await t.step("the two structures are detected", () => {
    assert.equal(
      detectSource(loadEvent("vpc_lattice_v1", "get_query")),
      "vpc-lattice-v1",
    );
    assert.equal(
      detectSource(loadEvent("vpc_lattice_v2", "get_query")),
      "vpc-lattice-v2",
    );
  });

  await t.step(
    "1.0: method, URL with the query, headers; a GET drops the sample's stray body",
    async () => {
      const { seen } = await see(loadEvent("vpc_lattice_v1", "get_query"));
      assert.equal(seen.method, "GET");
      assert.equal(
        seen.url,
        "https://test-lambda-service-3908sdf9u3u.dkfjd93.vpc-lattice-svcs.us-east-2.on.aws/testpath?order-id=1",
      );
      assert.equal(new Headers(seen.headers).get("user_agent"), "curl/7.64.1");
      assert.equal(seen.body.byteLength, 0);
      assert.equal(seen.info.sourceIp, "10.213.229.10");
    },
  );

  await t.step("1.0: a base64 body arrives as its bytes", async () => {
    const { seen } = await see(loadEvent("vpc_lattice_v1", "post_base64"));
    assert.equal(seen.method, "POST");
    assert.equal(text(seen.body), '{"test": "event"}');
  });

  await t.step(
    "2.0: list-valued headers and query, the body as sent",
    async () => {
      const { seen } = await see(loadEvent("vpc_lattice_v2", "post_json"));
      assert.equal(seen.method, "POST");
      assert.equal(new Headers(seen.headers).get("accept"), "*/*");
      assert.equal(text(seen.body), '{"message": "Hello from Lambda!"}');
      const get = await see(loadEvent("vpc_lattice_v2", "get_query"));
      assert.equal(
        new URL(get.seen.url).search,
        "?order-id=1&tag=a%20b&tag=c",
      );
      assert.equal(get.seen.info.sourceIp, "10.213.229.10");
    },
  );

  await t.step(
    "the result has statusDescription, single-value headers and every cookie joined by ', '",
    async () => {
      // Hono's expectation: honojs/hono src/adapter/aws-lambda/handler.test.ts, "Should handle set-cookie for Lattice events".
      const headers = new Headers({ "content-type": "application/json" });
      headers.append("set-cookie", "session=abc; Path=/");
      headers.append("set-cookie", "token=xyz; Path=/");
      const { result } = await see(
        loadEvent("vpc_lattice_v2", "get_query"),
        () => new Response('{"ok":true}', { status: 201, headers }),
      );
      assert.deepEqual(result, {
        statusCode: 201,
        statusDescription: "201 Created",
        headers: {
          "content-type": "application/json",
          "set-cookie": "session=abc; Path=/, token=xyz; Path=/",
        },
        body: '{"ok":true}',
        isBase64Encoded: false,
      });
    },
  );

  await t.step(
    "2.0: a query string in the path is the request's query, not part of its path",
    async () => {
      // The event of honojs/hono src/adapter/aws-lambda/handler.test.ts, "Should return valid Request object from version 2.0 Lattice event".
      const { seen } = await see(
        loadEvent("vpc_lattice_v2", "query_in_path"),
      );
      assert.equal(seen.method, "POST");
      assert.equal(
        seen.url,
        "https://my-service-a1b2c3.x1y2z3.vpc-lattice-svcs.us-east-1.on.aws/my/path?parameter1=value1&parameter1=value2&parameter2=value",
      );
      assert.equal(text(seen.body), "Hello from Lambda");
      assert.equal(new Headers(seen.headers).get("header2"), "value1, value2");
    },
  );
});

Deno.test("events from other projects' fixtures", async (t) => {
  await t.step(
    "a WebSocket $connect event that carries httpMethod is a WebSocket event",
    async () => {
      // awslabs/aws-lambda-rust-runtime lambda-events/src/fixtures/example-apigw-websocket-request.json
      const event = loadEvent("websocket", "connect_with_http_method");
      assert.equal(detectSource(event), "websocket");
      const { seen } = await see(event);
      assert.equal(seen.method, "GET");
      assert.equal(new URL(seen.url).pathname, "/$connect");
      assert.equal(seen.info.webSocket?.eventType, "CONNECT");
      assert.equal(seen.info.webSocket?.connectionId, "TWegAcC4EowCHnA=");
    },
  );

  await t.step(
    "a Bedrock agent event carries httpMethod but is not HTTP: refused, or passed through",
    async () => {
      // awslabs/aws-lambda-rust-runtime lambda-events/src/fixtures/example-bedrock-agent-runtime-event.json
      const event = loadEvent("pass_through", "bedrock_agent");
      assert.equal(detectSource(event), undefined);
      await assert.rejects(
        handle(event, () => new Response()),
        { name: "NotHttpEventError", message: /passThrough: true/ },
      );
      const { seen } = await see(event, undefined, { passThrough: true });
      assert.equal(seen.info.source, "pass-through");
      assert.deepEqual(JSON.parse(text(seen.body)), event);
    },
  );
});

Deno.test("incomplete events, as consoles' test events are", async (t) => {
  await t.step(
    "a 2.0 event without version is served as 2.0 (a function URL by its domain)",
    async () => {
      const event = loadEvent("incomplete", "v2_without_version");
      assert.equal(detectSource(event), "function-url");
      const { seen, result } = await see(event, () => new Response("hi"));
      assert.equal(
        seen.url,
        "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-west-2.on.aws/hello?name=Ada",
      );
      assert.equal(result.body, "hi");
    },
  );

  await t.step(
    "a 2.0 event without requestContext is a GET to localhost, its query rebuilt from the parameters",
    () => {
      const request = toRequest(
        loadEvent("incomplete", "v2_without_request_context"),
      );
      assert.equal(request.method, "GET");
      assert.equal(request.url, "https://localhost/hello?name=Ada%20Lovelace");
      assert.equal(request.headers.get("accept"), "application/json");
    },
  );

  await t.step(
    "a 1.0 event without requestContext keeps its method, path and body",
    async () => {
      const { seen, result } = await see(
        loadEvent("incomplete", "v1_without_request_context"),
        () => Response.json({ ok: true }),
      );
      assert.equal(seen.method, "POST");
      assert.equal(seen.url, "https://localhost/items");
      assert.equal(text(seen.body), '{"name":"Ada"}');
      assert.equal(seen.info.sourceIp, undefined);
      assert.equal(seen.info.requestContext, undefined);
      assert.deepEqual(result, {
        statusCode: 200,
        headers: { "content-type": "application/json" },
        body: '{"ok":true}',
        isBase64Encoded: false,
      });
    },
  );
});

Deno.test("pass-through of non-HTTP events", async (t) => {
  await t.step(
    "off by default: an SQS event is NotHttpEventError",
    async () => {
      await assert.rejects(
        handle(loadEvent("pass_through", "sqs"), () => new Response()),
        { name: "NotHttpEventError", message: /passThrough: true/ },
      );
    },
  );

  await t.step(
    "on: the event is a POST / with the event as its JSON body",
    async () => {
      const event = loadEvent("pass_through", "sqs");
      const { seen } = await see(event, undefined, { passThrough: true });
      assert.equal(seen.method, "POST");
      assert.equal(seen.url, "https://localhost/");
      assert.deepEqual(seen.headers, [["content-type", "application/json"]]);
      assert.deepEqual(JSON.parse(text(seen.body)), event);
      assert.equal(seen.info.source, "pass-through");
    },
  );

  await t.step(
    "a JSON response is the invocation's result as a value; text as a string; no body as null",
    async () => {
      const event = loadEvent("pass_through", "eventbridge");
      const json = await handle(
        event,
        () => Response.json({ batchItemFailures: [] }),
        { passThrough: true },
      );
      assert.deepEqual(json, { batchItemFailures: [] });
      const plain = await handle(event, () => new Response("done"), {
        passThrough: true,
      });
      assert.equal(plain, "done");
      const none = await handle(
        event,
        () => new Response(null, { status: 204 }),
        { passThrough: true },
      );
      assert.equal(none, null);
    },
  );

  await t.step(
    "a 5xx, or a throw, fails the invocation so the source retries",
    async () => {
      const event = loadEvent("pass_through", "sqs");
      await assert.rejects(
        handle(event, () => new Response("busy", { status: 503 }), {
          passThrough: true,
        }),
        { name: "HttpPassThroughError", message: /503/ },
      );
      await assert.rejects(
        handle(event, () => {
          throw new Error("queue handler broke");
        }, { passThrough: true }),
        { name: "HttpPassThroughError", message: /500/ },
      );
    },
  );

  await t.step("HTTP events are still served as HTTP", async () => {
    const { seen } = await see(loadEvent("websocket", "message"), undefined, {
      passThrough: true,
    });
    assert.equal(seen.info.source, "websocket");
  });
});

Deno.test("the new sources through the runtime under the emulator", async (t) => {
  await using emulator = await emulate(fixture("fixtures/http_function.ts"));

  await t.step(
    "a VPC Lattice 2.0 GET reaches the route and returns the Lattice result",
    async () => {
      const event = loadEvent("vpc_lattice_v2", "get_query");
      event.path = "/hello";
      const { functionError, body } = await emulator.call(event);
      assert.equal(functionError, null);
      assert.equal(body.statusCode, 200);
      assert.equal(body.statusDescription, "200 OK");
      assert.deepEqual(body.headers, { "content-type": "application/json" });
      const seen = JSON.parse(body.body);
      assert.equal(seen.source, "vpc-lattice-v2");
      assert.equal(seen.sourceIp, "10.213.229.10");
      assert.deepEqual(seen.query, [["order-id", "1"], ["tag", "a b"], [
        "tag",
        "c",
      ]]);
    },
  );

  await t.step(
    "a WebSocket message to a route the app lacks gets the app's 404 in the WebSocket result",
    async () => {
      const { functionError, body } = await emulator.call(
        loadEvent("websocket", "message"),
      );
      assert.equal(functionError, null);
      assert.deepEqual(body, {
        statusCode: 404,
        headers: { "content-type": "text/plain;charset=UTF-8" },
        body: "Not Found",
        isBase64Encoded: false,
      });
    },
  );
});

Deno.test("serve() refuses streaming with passThrough at init", async () => {
  await using emulator = await emulate(
    fixture("fixtures/http/streaming_pass_through.ts"),
  );
  const { functionError, body } = await emulator.call({ Records: [] });
  assert.equal(functionError, "Unhandled");
  assert.equal(body.errorType, "InitError");
  assert.match(body.errorMessage, /serveStream\(\) cannot take passThrough/);
});
