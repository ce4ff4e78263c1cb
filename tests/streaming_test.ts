// Streamed responses end to end: a stream() function in its own process, under the emulator or a node:http Runtime API.
import assert from "node:assert/strict";
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { emulate, fixture } from "./_emulator.ts";
import { gate } from "./_gate.ts";
import { tail } from "./_text_tail.ts";

const FUNCTION = fixture("fixtures/streaming_function.ts");
const decoder = new TextDecoder();

function event(value: unknown): string {
  return JSON.stringify(value);
}

Deno.test("stream() under the emulator", async (t) => {
  await using emulator = await emulate(FUNCTION, {
    timeout: 20,
    denoFlags: ["--v8-flags=--expose-gc"],
  });

  await t.step(
    "chunks reach the invoker before the handler finishes",
    async () => {
      await using release = gate();
      const order: string[] = [];
      const response = await emulator.invoke(
        event({
          mode: "release",
          release: release.url,
        }),
      );
      const body = tail(response.body!);
      const [first] = await body.match(/^first;/);
      // The function is now waiting on the gate: the second chunk cannot exist yet.
      order.push(`received ${body.text}`);
      release.open();
      order.push("released");
      order.push(`received ${(await body.ended()).slice(first.length)}`);
      assert.deepEqual(order, [
        "received first;",
        "released",
        "received second;",
      ]);
      assert.equal(
        response.headers.get("content-type"),
        "text/plain; charset=utf-8",
      );
    },
  );

  await t.step(
    "a 50 MB stream goes through with backpressure and flat memory in the function",
    async () => {
      const pid = emulator.lines.map(({ line }) =>
        /\bpid (\d+)/.exec(line)?.[1]
      )
        .find((found) => found !== undefined);
      assert.ok(pid !== undefined, "the function did not say its pid");
      // Deno lets only --allow-all read another process's /proc entry: cat can.
      const peak = async () => {
        const { stdout } = await new Deno.Command("cat", {
          args: [`/proc/${pid}/status`],
          stdout: "piped",
        }).output();
        return Number(/VmHWM:\s+(\d+) kB/.exec(decoder.decode(stdout))![1]) *
          1024;
      };
      const peakBefore = await peak();
      const total = 50 << 20;
      const response = await emulator.invoke(
        event({ mode: "big", bytes: total }),
      );
      const reader = response.body!.getReader();
      let received = (await reader.read()).value?.byteLength ?? 0;
      // The invoker stops reading; the producer must stall, not run on into memory.
      const produced = () => {
        let last = 0;
        for (const { line } of emulator.lines) {
          const match = /produced (\d+)/.exec(line);
          if (match) last = Number(match[1]);
        }
        return last;
      };
      let settled = -1;
      while (produced() !== settled) {
        settled = produced();
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      assert.ok(
        settled < 40 << 20,
        `the function produced ${settled} bytes while the invoker did not read`,
      );
      let last = new Uint8Array(0);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        const joined = new Uint8Array(last.byteLength + value.byteLength);
        joined.set(last);
        joined.set(value, last.byteLength);
        last = joined.slice(-512);
      }
      const text = decoder.decode(last);
      const report = JSON.parse(text.slice(text.lastIndexOf("\n") + 1));
      assert.equal(received, total + 1 + JSON.stringify(report).length);
      const growth = await peak() - peakBefore;
      const sampled = report.rssMax - report.rssBefore;
      const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
      // Well under the stream's size: it was never held whole (about 15 MB is measured here).
      assert.ok(
        growth < 32 << 20 && sampled < 32 << 20,
        `peak RSS grew by ${mb(growth)} (sampled in the function: ${
          mb(sampled)
        }) for a 50 MB stream`,
      );
    },
  );

  await t.step(
    "a Response is sent as the HTTP prelude, eight NUL bytes, then the body",
    async () => {
      const response = await emulator.invoke(event({ mode: "http" }));
      assert.equal(
        response.headers.get("content-type"),
        "application/vnd.awslambda.http-integration-response",
      );
      const { prelude, body } = splitPrelude(
        new Uint8Array(await response.arrayBuffer()),
      );
      assert.deepEqual(prelude, {
        statusCode: 201,
        headers: { "content-type": "text/event-stream", "x-custom": "yes" },
        cookies: ["session=abc; HttpOnly", "theme=dark"],
      });
      assert.equal(body, "data: one\n\ndata: two\n\n");
    },
  );

  await t.step(
    "an error before the first chunk is an ordinary error report",
    async () => {
      const response = await emulator.invoke(event({ mode: "early-error" }));
      assert.equal(response.headers.get("x-amz-function-error"), "Unhandled");
      const report = await response.json();
      assert.equal(report.errorType, "TypeError");
      assert.equal(report.errorMessage, "nothing to stream");
    },
  );

  await t.step(
    "an error mid-stream cuts the invoker's stream after the bytes sent",
    async () => {
      const response = await emulator.invoke(event({ mode: "mid-error" }));
      const body = tail(response.body!);
      await assert.rejects(body.ended());
      assert.equal(body.text, "partial;");
      // The emulator logs it when the function's request ends, maybe after the invoker's error.
      const reported = () =>
        emulator.lines.some(({ line }) =>
          line.includes("The response stream failed") &&
          line.includes("broke after the first chunk")
        );
      for (let wait = 0; wait < 100 && !reported(); wait++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(reported(), "the emulator did not report the trailer error");
    },
  );

  await t.step(
    "an invoker that goes away leaves the function serving the next invocation",
    async () => {
      const controller = new AbortController();
      const response = await emulator.invoke(event({ mode: "ticks" }), {
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.cancel().catch(() => {});
      const next = await emulator.invoke(event({ mode: "text" }));
      assert.equal(await next.text(), "hello streaming world");
      const inits = emulator.lines.filter(({ line }) =>
        line.includes("Init Duration")
      );
      assert.equal(inits.length, 1, "the function process was restarted");
      assert.ok(
        !emulator.lines.some(({ line }) => /FATAL|uncaught/i.test(line)),
        "the function logged a fatal or uncaught error",
      );
    },
  );
});

function functionUrlEvent(path: string): string {
  const domain = "abc123.lambda-url.us-east-1.on.aws";
  return event({
    version: "2.0",
    rawPath: path,
    rawQueryString: "",
    headers: { host: domain },
    requestContext: { http: { method: "GET", path }, domainName: domain },
  });
}

/** Splits Lambda's HTTP stream into its prelude and its body. */
function splitPrelude(bytes: Uint8Array) {
  const end = bytes.indexOf(0);
  assert.ok(end > 0, "no NUL delimiter");
  assert.deepEqual(bytes.subarray(end, end + 8), new Uint8Array(8));
  return {
    prelude: JSON.parse(decoder.decode(bytes.subarray(0, end))),
    body: decoder.decode(bytes.subarray(end + 8)),
  };
}

Deno.test("serveStream(handler) under the emulator", async (t) => {
  await using emulator = await emulate(fixture("fixtures/streaming_http.ts"));

  await t.step(
    "a function URL gets the status, headers and cookies, then the body",
    async () => {
      const response = await emulator.invoke(functionUrlEvent("/events"));
      assert.equal(
        response.headers.get("content-type"),
        "application/vnd.awslambda.http-integration-response",
      );
      const { prelude, body } = splitPrelude(
        new Uint8Array(await response.arrayBuffer()),
      );
      assert.deepEqual(prelude, {
        statusCode: 207,
        headers: { "content-type": "text/event-stream", "x-path": "/events" },
        cookies: ["a=1; Path=/", "b=2; Secure"],
      });
      assert.equal(body, "data: 1\n\ndata: 2\n\n");
    },
  );

  await t.step("a handler that throws streams the adapter's 500", async () => {
    const response = await emulator.invoke(functionUrlEvent("/fail"));
    const { prelude, body } = splitPrelude(
      new Uint8Array(await response.arrayBuffer()),
    );
    assert.equal(prelude.statusCode, 500);
    assert.equal(body, "Internal Server Error");
  });

  await t.step(
    "an event that is not HTTP is an ordinary error report",
    async () => {
      const response = await emulator.invoke(event({ hello: "world" }));
      assert.equal(response.headers.get("x-amz-function-error"), "Unhandled");
      assert.equal((await response.json()).errorType, "NotHttpEventError");
    },
  );
});

interface Posted {
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  trailers: Record<string, string | undefined>;
}

/**
 * A node:http Runtime API serving `events` in turn to the function process it starts,
 * recording each response; `cut` decides whether to destroy a response's connection
 * once its first chunk arrived (Lambda's side going away).
 */
async function wireRuntime(
  events: unknown[],
  cut: (index: number) => boolean = () => false,
) {
  const posts: Promise<Posted | "cut">[] = [];
  const resolvers = events.map(() => Promise.withResolvers<Posted | "cut">());
  for (const { promise } of resolvers) posts.push(promise);
  const held: ServerResponse[] = [];
  let next = 0;
  const server = createServer(async (request, response) => {
    if (request.url?.endsWith("/invocation/next")) {
      // Polls past the last event wait until the test ends.
      if (next >= events.length) return held.push(response);
      const index = next++;
      response.writeHead(200, {
        "content-type": "application/json",
        "lambda-runtime-aws-request-id": `req-${index}`,
        "lambda-runtime-deadline-ms": String(Date.now() + 30_000),
        "lambda-runtime-invoked-function-arn":
          "arn:aws:lambda:us-east-1:123456789012:function:f",
        "lambda-runtime-invocation-id": `inv-${index}`,
      });
      return response.end(event(events[index]));
    }
    const index = Number(/req-(\d+)/.exec(request.url ?? "")?.[1]);
    let body = "";
    for await (const chunk of request) {
      body += decoder.decode(chunk, { stream: true });
      if (cut(index)) {
        request.socket.destroy();
        return resolvers[index].resolve("cut");
      }
    }
    resolvers[index].resolve({
      url: request.url ?? "",
      headers: request.headers,
      body,
      trailers: request.trailers,
    });
    response.writeHead(202, { "content-type": "application/json" });
    response.end('{"status":"OK"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-env",
      "--allow-net=127.0.0.1",
      FUNCTION,
    ],
    env: {
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      AWS_LAMBDA_FUNCTION_NAME: "f",
    },
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  return {
    posts,
    /** Stops the function and the server; resolves with what the function wrote on stderr. */
    async stop(): Promise<string> {
      child.kill();
      await child.status;
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      return await stderr;
    },
  };
}

function decodeBase64Json(encoded: string | undefined) {
  assert.ok(encoded !== undefined, "no error body trailer");
  return JSON.parse(
    decoder.decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0))),
  );
}

Deno.test("stream() on the wire, against a node:http Runtime API", async (t) => {
  await t.step("an error thrown mid-stream arrives as trailers", async () => {
    const runtime = await wireRuntime([{ mode: "mid-error" }]);
    let stderr = "";
    try {
      const request = await runtime.posts[0];
      assert.ok(request !== "cut");
      assert.equal(
        request.url,
        "/2018-06-01/runtime/invocation/req-0/response",
      );
      assert.equal(
        request.headers["lambda-runtime-function-response-mode"],
        "streaming",
      );
      assert.equal(request.headers["transfer-encoding"], "chunked");
      assert.equal(
        request.headers["trailer"],
        "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
      );
      assert.equal(request.headers["lambda-runtime-invocation-id"], "inv-0");
      assert.equal(request.body, "partial;");
      assert.equal(
        request.trailers["lambda-runtime-function-error-type"],
        "RangeError",
      );
      const report = decodeBase64Json(
        request.trailers["lambda-runtime-function-error-body"],
      );
      assert.equal(report.errorType, "RangeError");
      assert.equal(report.errorMessage, "broke after the first chunk");
      assert.ok(report.stackTrace.length > 0);
    } finally {
      stderr = await runtime.stop();
    }
    assert.match(
      stderr,
      /failed mid-stream: RangeError: broke after the first chunk/,
    );
  });

  await t.step(
    "a connection cut mid-stream leaves the function serving the next invocation",
    async () => {
      const runtime = await wireRuntime(
        [{ mode: "ticks" }, { mode: "text" }],
        (index) => index === 0,
      );
      let stderr = "";
      try {
        assert.equal(await runtime.posts[0], "cut");
        const second = await runtime.posts[1];
        assert.ok(second !== "cut");
        assert.equal(second.body, "hello streaming world");
      } finally {
        stderr = await runtime.stop();
      }
      assert.match(stderr, /Could not deliver the outcome of invocation req-0/);
      assert.doesNotMatch(stderr, /FATAL|Uncaught/);
    },
  );
});

Deno.test("a handler written for Node's response streaming, under stream()", async (t) => {
  await using emulator = await emulate(fixture("fixtures/node_streaming.ts"));

  await t.step(
    "what it writes to its response stream is the body",
    async () => {
      const response = await emulator.invoke(event({ mode: "plain" }));
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "one two");
    },
  );

  await t.step(
    "HttpResponseStream.from's prelude gives the status, headers and cookies",
    async () => {
      const response = await emulator.invoke(event({ mode: "http" }));
      assert.equal(
        response.headers.get("content-type"),
        "application/vnd.awslambda.http-integration-response",
      );
      const { prelude, body } = splitPrelude(
        new Uint8Array(await response.arrayBuffer()),
      );
      assert.deepEqual(prelude, {
        statusCode: 201,
        headers: { "content-type": "text/plain" },
        cookies: ["n=1"],
      });
      assert.equal(body, "one two");
    },
  );

  await t.step(
    "a throw before the first write fails the invocation with its error",
    async () => {
      const response = await emulator.invoke(event({ mode: "fail-early" }));
      assert.equal(response.headers.get("x-amz-function-error"), "Unhandled");
      assert.match(await response.text(), /failed before writing/);
    },
  );

  await t.step(
    "a throw after it cuts the stream after the bytes sent",
    async () => {
      const response = await emulator.invoke(event({ mode: "fail-late" }));
      const body = tail(response.body!);
      await assert.rejects(body.ended());
      assert.equal(body.text, "one ");
    },
  );
});
