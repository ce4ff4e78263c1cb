// RuntimeApi.stream on the wire: the exact request, and errors as trailers, against servers on 127.0.0.1:0.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import { StreamLimitError } from "../mod.ts";
import {
  createRuntimeApi,
  type Invocation,
  RuntimeApiError,
} from "../src/runtime.ts";
import { USER_AGENT } from "../src/core/runtime_api.ts";
import { Http1Client } from "../src/core/_http1/client.ts";
import { withStreaming } from "../src/streaming/streamer.ts";
import { rawServer, RequestReader, text, write } from "./_raw_server.ts";

const encoder = new TextEncoder();

function invocation(id = "req-1", invocationId?: string): Invocation {
  return {
    requestId: id,
    deadlineMs: Date.now() + 5000,
    invocationId,
    headers: new Headers(),
    body: "{}",
  };
}

interface Received {
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  trailers: Record<string, string | undefined>;
}

/** A node:http Runtime API that records each streamed request, trailers included. */
async function nodeRuntimeApi(status = 202) {
  const received: Received[] = [];
  const server = createServer(async (request, response) => {
    let body = "";
    const decoder = new TextDecoder();
    for await (const chunk of request) {
      body += decoder.decode(chunk, { stream: true });
    }
    received.push({
      url: request.url ?? "",
      headers: request.headers,
      body: body + decoder.decode(),
      trailers: request.trailers,
    });
    response.writeHead(status, { "content-type": "application/json" });
    response.end(status === 202 ? '{"status":"OK"}' : '{"errorType":"Gone"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const client = new Http1Client(`127.0.0.1:${port}`);
  const api = withStreaming(
    createRuntimeApi(`127.0.0.1:${port}`),
    `127.0.0.1:${port}`,
    {
      streamTransport: (init) => client.request(init),
    },
  );
  return {
    api,
    received,
    async [Symbol.asyncDispose]() {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function decodeReport(encoded: string | undefined) {
  assert.ok(encoded !== undefined, "no error body trailer");
  const binary = atob(encoded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

Deno.test("RuntimeApi.stream", async (t) => {
  await t.step(
    "posts the response chunked with the streaming headers, byte for byte",
    async () => {
      const requests: string[] = [];
      const server = rawServer(async (conn) => {
        const reader = new RequestReader(conn);
        const request = await reader.request();
        if (request === null) return;
        requests.push(text(request));
        await write(
          conn,
          'HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{"status":"OK"}',
        );
      });
      await using _ = server;
      await using client = new Http1Client(server.authority);
      const api = withStreaming(
        createRuntimeApi(server.authority),
        server.authority,
        {
          streamTransport: (init) => client.request(init),
        },
      );
      await api.stream!(
        invocation("8476a536-e9f4-11e8-9739-2dfe598c3fcd", "inv-7"),
        ReadableStream.from(
          ["hello, ", "", "world"].map((s) => encoder.encode(s)),
        ),
        { contentType: "text/plain; charset=utf-8" },
      );
      assert.deepEqual(requests, [
        "POST /2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response HTTP/1.1\r\n" +
        `Host: ${server.authority}\r\n` +
        `User-Agent: ${USER_AGENT}\r\n` +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Lambda-Runtime-Function-Response-Mode: streaming\r\n" +
        "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n" +
        "Lambda-Runtime-Invocation-Id: inv-7\r\n" +
        "Transfer-Encoding: chunked\r\n" +
        "\r\n" +
        "7\r\nhello, \r\n5\r\nworld\r\n0\r\n\r\n",
      ]);
    },
  );

  await t.step("sends the error as trailers after the first byte", async () => {
    await using server = await nodeRuntimeApi();
    class QuotaError extends Error {
      override name = "QuotaError";
    }
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 2) controller.enqueue(encoder.encode(`part ${sent};`));
        else controller.error(new QuotaError("out of tokens"));
      },
    });
    await server.api.stream!(invocation(), body);
    const [received] = server.received;
    assert.equal(received.body, "part 1;part 2;");
    assert.equal(
      received.headers["lambda-runtime-function-response-mode"],
      "streaming",
    );
    assert.equal(
      received.trailers["lambda-runtime-function-error-type"],
      "QuotaError",
    );
    const report = decodeReport(
      received.trailers["lambda-runtime-function-error-body"],
    );
    assert.equal(report.errorType, "QuotaError");
    assert.equal(report.errorMessage, "out of tokens");
    assert.ok(Array.isArray(report.stackTrace) && report.stackTrace.length > 0);
  });

  await t.step("a stream that ends normally sends no trailers", async () => {
    await using server = await nodeRuntimeApi();
    await server.api.stream!(
      invocation(),
      ReadableStream.from([encoder.encode("done")]),
    );
    assert.deepEqual(server.received[0].trailers, {});
    assert.equal(server.received[0].body, "done");
  });

  await t.step("the formatter given shapes the trailer report", async () => {
    await using server = await nodeRuntimeApi();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode("x"));
      },
      pull(controller) {
        controller.error(new Error("secret detail"));
      },
    });
    await server.api.stream!(invocation(), body, {
      formatError: () => ({
        errorMessage: "hidden",
        errorType: "Opaque",
        stackTrace: [],
      }),
    });
    const trailers = server.received[0].trailers;
    assert.equal(trailers["lambda-runtime-function-error-type"], "Opaque");
    assert.deepEqual(
      decodeReport(trailers["lambda-runtime-function-error-body"]),
      {
        errorMessage: "hidden",
        errorType: "Opaque",
        stackTrace: [],
      },
    );
  });

  await t.step(
    "an error report too large for a trailer is shortened",
    async () => {
      await using server = await nodeRuntimeApi();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode("x"));
        },
        pull(controller) {
          controller.error(new Error("é".repeat(100_000)));
        },
      });
      await server.api.stream!(invocation(), body);
      const encoded =
        server.received[0].trailers["lambda-runtime-function-error-body"];
      const report = decodeReport(encoded);
      assert.ok(
        encoded!.length < 9000,
        `trailer of ${encoded!.length} characters`,
      );
      assert.ok(report.errorMessage.startsWith("éé"));
      assert.ok(report.errorMessage.endsWith("…"));
    },
  );

  await t.step(
    "an error before the first byte rejects with that error and sends nothing",
    async () => {
      let accepted = 0;
      const server = rawServer(() => {
        accepted++;
        return Promise.resolve();
      });
      await using _ = server;
      await using client = new Http1Client(server.authority);
      const api = withStreaming(
        createRuntimeApi(server.authority),
        server.authority,
        {
          streamTransport: (init) => client.request(init),
        },
      );
      const failure = new TypeError("no data at all");
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.error(failure);
        },
      });
      await assert.rejects(
        api.stream!(invocation(), body),
        (error) => error === failure,
      );
      assert.equal(accepted, 0);
    },
  );

  await t.step(
    "a stream past maxBytes is cut at the limit, cancelled with StreamLimitError and reported",
    async () => {
      await using server = await nodeRuntimeApi();
      let reason: unknown;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(encoder.encode("abcd"));
        },
        cancel(why) {
          reason = why;
        },
      }, { highWaterMark: 0 });
      await server.api.stream!(invocation(), body, { maxBytes: 10 });
      const [received] = server.received;
      assert.equal(received.body, "abcdabcdab");
      assert.equal(
        received.trailers["lambda-runtime-function-error-type"],
        "Function.ResponseSizeTooLarge",
      );
      assert.match(
        decodeReport(received.trailers["lambda-runtime-function-error-body"])
          .errorMessage,
        /went past 10 bytes/,
      );
      assert.ok(reason instanceof StreamLimitError);
    },
  );

  await t.step(
    "a refusal by the Runtime API is a RuntimeApiError with its status",
    async () => {
      await using server = await nodeRuntimeApi(410);
      await assert.rejects(
        server.api.stream!(
          invocation(),
          ReadableStream.from([encoder.encode("late")]),
        ),
        (error) =>
          error instanceof RuntimeApiError && error.status === 410 &&
          error.operation === "response",
      );
    },
  );

  await t.step(
    "an unreachable Runtime API is a RuntimeApiError with status 0, and the body is cancelled",
    async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const authority = `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
      listener.close();
      await using client = new Http1Client(authority);
      const api = withStreaming(createRuntimeApi(authority), authority, {
        streamTransport: (init) => client.request(init),
      });
      let cancelled = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(encoder.encode("data"));
        },
        cancel() {
          cancelled = true;
        },
      }, { highWaterMark: 0 });
      await assert.rejects(
        api.stream!(invocation(), body),
        (error) => error instanceof RuntimeApiError && error.status === 0,
      );
      assert.equal(cancelled, true);
    },
  );
});
