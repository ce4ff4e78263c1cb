// The HTTP adapter: every fixture through the pure conversions, then through the real runtime under the emulator.
import assert from "node:assert/strict";
import type { Logger } from "../src/runtime.ts";
import {
  type HttpHandler,
  type HttpSource,
  NotHttpEventError,
  toRequest,
  toResult,
} from "../src/http/mod.ts";
import { alb } from "../src/http/alb.ts";
import { apiGatewayV1 } from "../src/http/api_gateway_v1.ts";
import { apiGatewayV2 } from "../src/http/api_gateway_v2.ts";
import { isBinaryResponse } from "../src/http/_body.ts";
import { detectSource } from "../src/http/_detect.ts";
import { app, LOGO_BASE64, SECRET } from "./fixtures/http_function.ts";
import { emulate, fixture } from "./_emulator.ts";
import { handle, loadEvent } from "./_http.ts";

const IP = "198.51.100.23";
const UA = "curl/8.5.0";
const UPLOAD_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==";

type Shape = "v1" | "v2" | "alb-multi" | "alb-single";

interface Source {
  dir: string;
  source: HttpSource;
  host: string;
  shape: Shape;
  cases: string[];
}

const ALL_CASES = [
  "get_query",
  "post_json",
  "binary_upload",
  "cookies",
  "multi_value_headers",
  "base64_response",
  "not_found",
];

const SOURCES: Source[] = [
  {
    dir: "rest_api",
    source: "api-gateway-v1",
    host: "r4nd0m1d.execute-api.us-east-1.amazonaws.com",
    shape: "v1",
    cases: ALL_CASES,
  },
  {
    dir: "http_api_v1",
    source: "api-gateway-v1",
    host: "h77p4p1id.execute-api.eu-west-1.amazonaws.com",
    shape: "v1",
    cases: ["get_query", "cookies"],
  },
  {
    dir: "http_api",
    source: "api-gateway-v2",
    host: "h77p4p1id.execute-api.eu-west-1.amazonaws.com",
    shape: "v2",
    cases: ALL_CASES,
  },
  {
    dir: "function_url",
    source: "function-url",
    host: "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-west-2.on.aws",
    shape: "v2",
    cases: ALL_CASES,
  },
  {
    dir: "alb_multi_value",
    source: "alb",
    host: "web-alb-1234567890.us-east-2.elb.amazonaws.com",
    shape: "alb-multi",
    cases: ALL_CASES,
  },
  {
    dir: "alb",
    source: "alb",
    host: "web-alb-1234567890.us-east-2.elb.amazonaws.com",
    shape: "alb-single",
    cases: ALL_CASES,
  },
];

/** What the handler must see. */
interface ExpectedRequest {
  method: string;
  url: string;
  headers: Record<string, string | null>;
  body: string | null;
  bodyBase64?: boolean;
}

/** What the client must get, before it is laid out in the source's shape. */
interface ExpectedResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
  isBase64Encoded: boolean;
}

interface Expected {
  request: ExpectedRequest;
  response: ExpectedResponse;
}

const COOKIES_OUT = [
  "session=xyz789; Path=/; HttpOnly; Secure",
  "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/",
];

function expected(source: Source, name: string): Expected {
  const single = source.shape === "alb-single";
  const base = `https://${source.host}`;
  switch (name) {
    case "get_query": {
      // ALB without multi-value headers keeps only the last value of a repeated key.
      const query = single
        ? "name=Ada%20Lovelace&tag=poetry&q=caf%C3%A9%2Bth%C3%A9&empty="
        : "name=Ada%20Lovelace&tag=math&tag=poetry&q=caf%C3%A9%2Bth%C3%A9&empty=";
      const url = `${base}/hello?${query}`;
      const entries = [["name", "Ada Lovelace"]];
      if (!single) entries.push(["tag", "math"]);
      entries.push(["tag", "poetry"], ["q", "café+thé"], ["empty", ""]);
      return {
        request: {
          method: "GET",
          url,
          headers: { accept: "application/json", "user-agent": UA },
          body: null,
        },
        response: {
          statusCode: 200,
          headers: { "content-type": "application/json" },
          cookies: [],
          body: JSON.stringify({
            method: "GET",
            url,
            query: entries,
            source: source.source,
            sourceIp: IP,
            userAgent: UA,
          }),
          isBase64Encoded: false,
        },
      };
    }
    case "post_json": {
      const json = '{"name":"Ada","languages":["en","fr"]}';
      return {
        request: {
          method: "POST",
          url: `${base}/items`,
          headers: { "content-type": "application/json" },
          body: json,
        },
        response: {
          statusCode: 201,
          headers: {
            "content-type": "application/json",
            location: "/items/1",
          },
          cookies: [],
          body: `{"created":${json}}`,
          isBase64Encoded: false,
        },
      };
    }
    case "binary_upload":
      return {
        request: {
          method: "POST",
          url: `${base}/upload`,
          headers: { "content-type": "image/png" },
          body: UPLOAD_BASE64,
          bodyBase64: true,
        },
        response: {
          statusCode: 200,
          headers: { "content-type": "image/png" },
          cookies: [],
          body: UPLOAD_BASE64,
          isBase64Encoded: true,
        },
      };
    case "cookies": {
      const cookie = single ? "theme=light" : "session=abc123; theme=light";
      return {
        request: {
          method: "GET",
          url: `${base}/cookies`,
          headers: { cookie },
          body: null,
        },
        response: {
          statusCode: 200,
          headers: { "content-type": "application/json" },
          cookies: COOKIES_OUT,
          body: JSON.stringify({ cookie }),
          isBase64Encoded: false,
        },
      };
    }
    case "multi_value_headers": {
      // API Gateway 2.0 joins repeated headers with a bare comma; Headers joins with ", ".
      const [accept, xTag] = source.shape === "v2"
        ? ["text/html,application/json", "alpha,beta"]
        : single
        ? ["application/json", "beta"]
        : ["text/html, application/json", "alpha, beta"];
      return {
        request: {
          method: "GET",
          url: `${base}/headers`,
          headers: { accept, "x-tag": xTag },
          body: null,
        },
        response: {
          statusCode: 200,
          headers: {
            "content-type": "application/json",
            vary: "Accept, Accept-Encoding",
          },
          cookies: [],
          body: JSON.stringify({ accept, xTag }),
          isBase64Encoded: false,
        },
      };
    }
    case "base64_response":
      return {
        request: {
          method: "GET",
          url: `${base}/logo.png`,
          headers: { accept: "image/png" },
          body: null,
        },
        response: {
          statusCode: 200,
          headers: { "content-type": "image/png" },
          cookies: [],
          body: LOGO_BASE64,
          isBase64Encoded: true,
        },
      };
    case "not_found":
      return {
        request: {
          method: "GET",
          url: `${base}/missing/page`,
          headers: {},
          body: null,
        },
        response: {
          statusCode: 404,
          headers: { "content-type": "text/plain;charset=UTF-8" },
          cookies: [],
          body: "Not Found",
          isBase64Encoded: false,
        },
      };
  }
  throw new Error(`no expectation for ${name}`);
}

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  404: "Not Found",
};

/** The result each source documents, built from the expected response. */
function shaped(shape: Shape, response: ExpectedResponse): unknown {
  const { statusCode, headers, cookies, body, isBase64Encoded } = response;
  switch (shape) {
    case "v1":
      return {
        statusCode,
        headers,
        ...(cookies.length > 0
          ? { multiValueHeaders: { "set-cookie": cookies } }
          : {}),
        body,
        isBase64Encoded,
      };
    case "v2":
      return {
        statusCode,
        headers,
        ...(cookies.length > 0 ? { cookies } : {}),
        body,
        isBase64Encoded,
      };
    case "alb-multi": {
      const multi: Record<string, string[]> = {};
      for (const [name, value] of Object.entries(headers)) {
        multi[name] = [value];
      }
      if (cookies.length > 0) multi["set-cookie"] = cookies;
      return {
        statusCode,
        statusDescription: `${statusCode} ${REASONS[statusCode]}`,
        multiValueHeaders: multi,
        body,
        isBase64Encoded,
      };
    }
    case "alb-single":
      return {
        statusCode,
        statusDescription: `${statusCode} ${REASONS[statusCode]}`,
        headers: cookies.length > 0
          ? { ...headers, "set-cookie": cookies[0] }
          : headers,
        body,
        isBase64Encoded,
      };
  }
}

function collectingLogger() {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
  };
  const logger: Logger = {
    trace: log("TRACE"),
    debug: log("DEBUG"),
    info: log("INFO"),
    warn: log("WARN"),
    error: log("ERROR"),
    fatal: log("FATAL"),
  };
  return { logger, lines };
}

Deno.test("fixtures through the pure conversions", async (t) => {
  for (const source of SOURCES) {
    for (const name of source.cases) {
      const label = `${source.dir}/${name}`;
      const event = loadEvent(source.dir, name);
      const want = expected(source, name);

      await t.step(`${label}: the source is detected`, () => {
        assert.equal(detectSource(event), source.source);
      });

      await t.step(
        `${label}: method, URL, headers and body reach the Request`,
        async () => {
          const request = toRequest(event);
          assert.equal(request.method, want.request.method);
          assert.equal(request.url, want.request.url);
          for (const [header, value] of Object.entries(want.request.headers)) {
            assert.equal(request.headers.get(header), value, header);
          }
          const bytes = await request.bytes();
          if (want.request.body === null) assert.equal(bytes.byteLength, 0);
          else if (want.request.bodyBase64) {
            assert.equal(bytes.toBase64(), want.request.body);
          } else {
            assert.equal(new TextDecoder().decode(bytes), want.request.body);
          }
        },
      );

      await t.step(
        `${label}: the router's Response becomes the documented result`,
        async () => {
          assert.deepEqual(
            await handle(event, app),
            shaped(source.shape, want.response),
          );
        },
      );
    }
  }
});

Deno.test("requests", async (t) => {
  await t.step(
    "an HTTP API's named stage is removed from the path, or kept when asked",
    () => {
      const event = loadEvent("http_api", "get_query") as {
        rawPath: string;
        requestContext: Record<string, unknown>;
      };
      event.rawPath = "/live/hello";
      event.requestContext.stage = "live";
      assert.equal(new URL(toRequest(event).url).pathname, "/hello");
      assert.equal(
        new URL(toRequest(event, { stage: "keep" }).url).pathname,
        "/live/hello",
      );
    },
  );

  await t.step(
    "on a custom domain, a path that starts like the stage keeps it, in both payload formats",
    () => {
      for (const family of ["http_api", "http_api_v1"]) {
        const event = loadEvent(family, "get_query") as {
          rawPath?: string;
          path?: string;
          requestContext: Record<string, unknown>;
        };
        if (family === "http_api") event.rawPath = "/v1/users";
        else event.path = "/v1/users";
        event.requestContext.stage = "v1";
        event.requestContext.domainName = "api.example.com";
        assert.equal(
          new URL(toRequest(event).url).pathname,
          "/v1/users",
          family,
        );
        event.requestContext.domainName =
          "r4nd0m.execute-api.eu-west-1.amazonaws.com";
        assert.equal(new URL(toRequest(event).url).pathname, "/users", family);
      }
    },
  );

  await t.step(
    "an event shaped like an HTTP event but with a malformed field is NotHttpEventError",
    () => {
      const v1 = loadEvent("rest_api", "get_query") as Record<string, unknown>;
      v1.requestContext = "not an object";
      const v2 = loadEvent("http_api", "get_query") as Record<string, unknown>;
      v2.rawPath = 42;
      for (const event of [v1, v2]) {
        assert.throws(() => toRequest(event), {
          name: "NotHttpEventError",
          message: /lacks its required fields/,
        });
      }
    },
  );

  await t.step(
    "a REST API's path is the route's, and stage: keep gives the path the client requested",
    () => {
      const event = loadEvent("rest_api", "get_query");
      assert.equal(new URL(toRequest(event).url).pathname, "/hello");
      assert.equal(
        new URL(toRequest(event, { stage: "keep" }).url).pathname,
        "/prod/hello",
      );
    },
  );

  await t.step(
    "a console test event with null maps and no Host header still makes a request",
    () => {
      const request = toRequest({
        resource: "/",
        path: "/",
        httpMethod: "GET",
        headers: null,
        multiValueHeaders: null,
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        requestContext: { stage: "test-invoke-stage", identity: {} },
        body: null,
        isBase64Encoded: false,
      });
      assert.equal(request.url, "https://localhost/");
      assert.equal([...request.headers].length, 0);
    },
  );

  await t.step("an ALB health check makes a request", () => {
    const request = toRequest({
      requestContext: {
        elb: {
          targetGroupArn:
            "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/web-lambda/6d0ecf831eec9f09",
        },
      },
      httpMethod: "GET",
      path: "/",
      queryStringParameters: {},
      headers: { "user-agent": "ELB-HealthChecker/2.0" },
      body: "",
      isBase64Encoded: false,
    });
    assert.equal(request.url, "https://localhost/");
    assert.equal(request.headers.get("user-agent"), "ELB-HealthChecker/2.0");
  });

  await t.step("a base path is removed on a segment boundary", () => {
    const event = loadEvent("alb", "post_json") as { path: string };
    event.path = "/api/items";
    assert.equal(
      new URL(toRequest(event, { basePath: "/api" }).url).pathname,
      "/items",
    );
    event.path = "/apis/items";
    assert.equal(
      new URL(toRequest(event, { basePath: "/api" }).url).pathname,
      "/apis/items",
    );
  });

  await t.step(
    "the handler gets the source, source IP, request context and Lambda context",
    async () => {
      const seen: unknown[] = [];
      const event = loadEvent("rest_api", "get_query");
      await handle(event, (_request, info) => {
        seen.push(
          info.source,
          info.sourceIp,
          (info.requestContext as { requestId: string }).requestId,
          info.context.awsRequestId,
          (info.event as unknown) === event,
        );
        return new Response();
      });
      assert.deepEqual(seen, [
        "api-gateway-v1",
        IP,
        "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "req-test",
        true,
      ]);
    },
  );

  await t.step(
    "the request's signal aborts at the invocation's deadline",
    async () => {
      const result = await handle(
        loadEvent("function_url", "get_query"),
        async (request) => {
          await new Promise((resolve) =>
            request.signal.addEventListener("abort", resolve, { once: true })
          );
          return new Response(`aborted: ${request.signal.reason?.name}`);
        },
        {},
        { deadlineMs: Date.now() + 50 },
      );
      assert.equal(result.body, "aborted: DeadlineError");
    },
  );

  await t.step(
    "a GET event's stray body is dropped, not an error",
    () => {
      const event = loadEvent("function_url", "get_query");
      event.body = "stray";
      const request = toRequest(event);
      assert.equal(request.body, null);
    },
  );

  await t.step(
    "a body that is not base64 is answered 400 and logged",
    async () => {
      const event = loadEvent("function_url", "binary_upload");
      event.body = "not base64 ¤¤";
      const { logger, lines } = collectingLogger();
      let called = false;
      const result = await handle(event, () => {
        called = true;
        return new Response();
      }, { logger });
      assert.equal(result.statusCode, 400);
      assert.equal(result.body, "Bad Request");
      assert.equal(called, false);
      assert.match(
        lines.join("\n"),
        /WARN Bad request, answered 400: .*base64/,
      );
    },
  );

  await t.step(
    "a method the fetch standard forbids is answered 400",
    async () => {
      const event = loadEvent("alb_multi_value", "get_query");
      event.httpMethod = "TRACE";
      const result = await handle(event, app);
      assert.equal(result.statusCode, 400);
      assert.equal(result.statusDescription, "400 Bad Request");
    },
  );
});

Deno.test("responses", async (t) => {
  await t.step("HEAD gets the headers and no body", async () => {
    for (const dir of ["rest_api", "function_url", "alb_multi_value"]) {
      const event = loadEvent(dir, "get_query") as Record<string, unknown> & {
        requestContext: { http?: { method: string } };
      };
      if (event.requestContext.http) event.requestContext.http.method = "HEAD";
      else event.httpMethod = "HEAD";
      const result = await handle(event, app);
      assert.equal(result.statusCode, 200, dir);
      assert.equal(result.body, "", dir);
      assert.equal(result.isBase64Encoded, false, dir);
      const headers = (result.headers ??
        result.multiValueHeaders) as Record<string, unknown>;
      assert.ok("content-type" in headers, dir);
    }
  });

  await t.step("an empty body is an empty string, not base64", async () => {
    const event = loadEvent("http_api", "not_found");
    (event as { rawPath: string }).rawPath = "/empty";
    assert.deepEqual(await handle(event, app), {
      statusCode: 204,
      headers: {},
      body: "",
      isBase64Encoded: false,
    });
  });

  await t.step(
    "compressed, charset-other-than-UTF-8 and invalid-UTF-8 text go back as base64",
    async () => {
      const event = loadEvent("function_url", "get_query");
      const cases: [HeadersInit, Uint8Array<ArrayBuffer>][] = [
        [
          { "content-type": "text/html", "content-encoding": "gzip" },
          new Uint8Array([0x1f, 0x8b, 8, 0]),
        ],
        [
          { "content-type": "text/plain; charset=iso-8859-1" },
          new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
        ],
        [{ "content-type": "text/plain" }, new Uint8Array([0xff, 0xfe, 0x41])],
      ];
      for (const [headers, bytes] of cases) {
        const result = await toResult(
          new Response(bytes, { headers }),
          event,
        );
        assert.equal(result.isBase64Encoded, true);
        assert.deepEqual(Uint8Array.fromBase64(result.body), bytes);
      }
    },
  );

  await t.step("the binary decision is configurable", async () => {
    const event = loadEvent("rest_api", "post_json");
    const result = await handle(event, app, {
      isBinary: (headers) =>
        headers.get("content-type") === "application/json" ||
        isBinaryResponse(headers),
    });
    assert.equal(result.isBase64Encoded, true);
    assert.equal(
      new TextDecoder().decode(Uint8Array.fromBase64(result.body as string)),
      '{"created":{"name":"Ada","languages":["en","fr"]}}',
    );
  });

  await t.step(
    "an ALB without multi-value headers sends the first cookie and warns about the others",
    async () => {
      const { logger, lines } = collectingLogger();
      const result = await handle(loadEvent("alb", "cookies"), app, { logger });
      assert.equal(
        (result.headers as Record<string, string>)["set-cookie"],
        COOKIES_OUT[0],
      );
      assert.match(lines.join("\n"), /WARN .*2 cookies.*multi_value_headers/);
    },
  );

  await t.step("hop-by-hop headers are not passed on", async () => {
    const result = await toResult(
      new Response("x", {
        headers: { connection: "keep-alive", "x-kept": "1" },
      }),
      loadEvent("http_api", "get_query"),
    );
    assert.deepEqual(result.headers, {
      "content-type": "text/plain;charset=UTF-8",
      "x-kept": "1",
    });
  });
});

Deno.test("errors", async (t) => {
  await t.step(
    "a handler that throws gets a 500 with no internals, and the error is logged",
    async () => {
      const { logger, lines } = collectingLogger();
      const event = loadEvent("function_url", "not_found");
      (event as { rawPath: string }).rawPath = "/boom";
      const result = await handle(event, app, { logger });
      assert.deepEqual(result, {
        statusCode: 500,
        headers: { "content-type": "text/plain;charset=UTF-8" },
        body: "Internal Server Error",
        isBase64Encoded: false,
      });
      assert.doesNotMatch(JSON.stringify(result), new RegExp(SECRET));
      assert.match(
        lines.join("\n"),
        /ERROR The HTTP handler failed on GET \/boom: Error: cannot connect/,
      );
    },
  );

  await t.step("a handler that returns no Response gets a 500", async () => {
    const { logger, lines } = collectingLogger();
    const result = await handle(
      loadEvent("rest_api", "get_query"),
      (() => ({ status: 200 })) as unknown as HttpHandler,
      { logger },
    );
    assert.equal(result.statusCode, 500);
    assert.match(lines.join("\n"), /returned an object instead of a Response/);
  });

  await t.step("onError shapes the 500 response", async () => {
    const result = await handle(
      loadEvent("alb_multi_value", "get_query"),
      () => {
        throw new RangeError("nope");
      },
      {
        onError: (error, _request, info) =>
          Response.json({
            error: (error as Error).name,
            requestId: info.context.awsRequestId,
          }, { status: 503 }),
      },
    );
    assert.equal(result.statusCode, 503);
    assert.equal(result.statusDescription, "503 Service Unavailable");
    assert.equal(result.body, '{"error":"RangeError","requestId":"req-test"}');
  });

  await t.step(
    "a body stream that fails while it is read becomes a 500",
    async () => {
      const result = await handle(
        loadEvent("http_api", "get_query"),
        () =>
          new Response(
            new ReadableStream({
              pull(controller) {
                controller.error(new Error("disk gone"));
              },
            }),
          ),
      );
      assert.equal(result.statusCode, 500);
      assert.equal(result.body, "Internal Server Error");
    },
  );

  await t.step(
    "an event that is not HTTP throws NotHttpEventError",
    async () => {
      await assert.rejects(
        handle({ Records: [{ eventSource: "aws:sqs", body: "{}" }] }, app),
        (error: Error) =>
          error instanceof NotHttpEventError &&
          error.name === "NotHttpEventError" && /Records/.test(error.message),
      );
    },
  );

  await t.step(
    "a forced source is checked against the event's shape",
    () => {
      const event = loadEvent("function_url", "get_query");
      assert.throws(
        () => toRequest(event, { source: "alb" }),
        /lacks the fields of a alb event/,
      );
      assert.equal(
        new URL(toRequest(event, { source: "api-gateway-v2" }).url).hostname,
        "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-west-2.on.aws",
      );
    },
  );
});

Deno.test("the adapters accept their own events only", () => {
  const rest = loadEvent("rest_api", "get_query");
  const url = loadEvent("function_url", "get_query");
  const lb = loadEvent("alb", "get_query");
  assert.deepEqual(
    [apiGatewayV1.accepts(rest), apiGatewayV2.accepts(rest), alb.accepts(rest)],
    [true, false, false],
  );
  assert.deepEqual(
    [apiGatewayV1.accepts(url), apiGatewayV2.accepts(url), alb.accepts(url)],
    [false, true, false],
  );
  // An ALB event has httpMethod and path too, so the 1.0 adapter could read it; detection looks at elb first.
  assert.equal(alb.accepts(lb), true);
  assert.equal(detectSource(lb), "alb");
});

Deno.test("fixtures through the runtime under the emulator", async (t) => {
  await using emulator = await emulate(fixture("fixtures/http_function.ts"));

  for (const source of SOURCES) {
    for (const name of source.cases) {
      const label = `${source.dir}/${name}`;
      await t.step(
        `${label}: the invocation returns the documented result`,
        async () => {
          const { status, functionError, body } = await emulator.call(
            loadEvent(source.dir, name),
          );
          assert.equal(status, 200);
          assert.equal(functionError, null);
          assert.deepEqual(
            body,
            shaped(source.shape, expected(source, name).response),
          );
        },
      );
    }
  }

  await t.step(
    "a handler that throws returns a 500 with no internals, and the function logs the error",
    async () => {
      const event = loadEvent("alb_multi_value", "not_found");
      event.path = "/boom";
      const { functionError, body, requestId } = await emulator.call(event);
      assert.equal(functionError, null);
      assert.equal(body.statusCode, 500);
      assert.equal(body.statusDescription, "500 Internal Server Error");
      assert.equal(body.body, "Internal Server Error");
      assert.doesNotMatch(JSON.stringify(body), new RegExp(SECRET));
      // Through the Lambda logger: Text format's four columns, attributed to the invocation.
      assert.ok(
        emulator.lines.some(({ line, source }) =>
          source === "stderr" &&
          line.startsWith(
            `\t${requestId}\tERROR\tThe HTTP handler failed on GET /boom`,
            line.indexOf("\t"),
          )
        ),
        emulator.lines.map(({ line }) => line).join("\n"),
      );
    },
  );

  await t.step(
    "an event that is not HTTP fails the invocation with errorType NotHttpEventError",
    async () => {
      const { functionError, body } = await emulator.call({
        Records: [{ eventSource: "aws:sqs", body: "{}" }],
      });
      assert.equal(functionError, "Unhandled");
      assert.equal(body.errorType, "NotHttpEventError");
      assert.match(body.errorMessage, /not an HTTP request/);
    },
  );

  await t.step("the handler sees the invocation's request id", async () => {
    const event = loadEvent("http_api", "not_found");
    event.rawPath = "/context";
    const { body, requestId } = await emulator.call(event);
    assert.equal(body.statusCode, 200);
    assert.ok(requestId);
    assert.deepEqual(JSON.parse(body.body), {
      requestId,
      stage: "$default",
    });
  });
});
