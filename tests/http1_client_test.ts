// The raw-socket HTTP/1.1 client, byte for byte, against a TCP server on 127.0.0.1:0.
import assert from "node:assert/strict";
import { Http1Client } from "../src/core/_http1/client.ts";
import { Http1ProtocolError } from "../src/core/_http1/response.ts";
import { rawServer, RequestReader, text, write } from "./_raw_server.ts";

const encoder = new TextEncoder();
const ACCEPTED =
  'HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{"status":"OK"}\n';

/** A server that records each request's exact bytes and answers every one with `answer`. */
function recorder(answer = ACCEPTED) {
  const requests: string[] = [];
  const server = rawServer(async (conn) => {
    const reader = new RequestReader(conn);
    for (;;) {
      const request = await reader.request();
      if (request === null) return;
      requests.push(text(request));
      await write(conn, answer);
    }
  });
  return { server, requests };
}

function chunks(...parts: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(
    parts.map((part) => typeof part === "string" ? encoder.encode(part) : part),
  );
}

Deno.test("Http1Client writes requests byte for byte", async (t) => {
  await t.step(
    "a GET is the request line, Host, then the given headers in order",
    async () => {
      const { server, requests } = recorder();
      await using _ = server;
      await using client = new Http1Client(server.authority);
      await client.request({
        path: "/2018-06-01/runtime/invocation/next",
        headers: [["User-Agent", "test/1"], ["X-B", "2"], ["X-A", "1"]],
      });
      assert.deepEqual(requests, [
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n" +
        `Host: ${server.authority}\r\n` +
        "User-Agent: test/1\r\nX-B: 2\r\nX-A: 1\r\n\r\n",
      ]);
    },
  );

  await t.step("a byte body goes with Content-Length", async () => {
    const { server, requests } = recorder();
    await using _ = server;
    await using client = new Http1Client(server.authority);
    await client.request({ path: "/r", body: '{"ok":true}' });
    assert.deepEqual(requests, [
      `POST /r HTTP/1.1\r\nHost: ${server.authority}\r\nContent-Length: 11\r\n\r\n{"ok":true}`,
    ]);
  });

  await t.step(
    "a stream body is chunked, one chunk per non-empty chunk, then the last chunk",
    async () => {
      const { server, requests } = recorder();
      await using _ = server;
      await using client = new Http1Client(server.authority);
      await client.request({
        path: "/r",
        headers: { "Content-Type": "text/plain" },
        body: chunks("hello", "", "world, again!"),
      });
      assert.deepEqual(requests, [
        `POST /r HTTP/1.1\r\nHost: ${server.authority}\r\nContent-Type: text/plain\r\n` +
        "Transfer-Encoding: chunked\r\n\r\n" +
        "5\r\nhello\r\nd\r\nworld, again!\r\n0\r\n\r\n",
      ]);
    },
  );

  await t.step("trailers follow the last chunk", async () => {
    const { server, requests } = recorder();
    await using _ = server;
    await using client = new Http1Client(server.authority);
    await client.request({
      path: "/r",
      headers: { Trailer: "X-Error-Type, X-Error-Body" },
      body: chunks("partial"),
      trailers: () => ({
        "X-Error-Type": "Boom",
        "X-Error-Body": "eyJhIjoxfQ==",
      }),
    });
    assert.deepEqual(requests, [
      `POST /r HTTP/1.1\r\nHost: ${server.authority}\r\nTrailer: X-Error-Type, X-Error-Body\r\n` +
      "Transfer-Encoding: chunked\r\n\r\n" +
      "7\r\npartial\r\n0\r\nX-Error-Type: Boom\r\nX-Error-Body: eyJhIjoxfQ==\r\n\r\n",
    ]);
  });

  await t.step(
    "an empty stream is only the last chunk, with its trailers",
    async () => {
      const { server, requests } = recorder();
      await using _ = server;
      await using client = new Http1Client(server.authority);
      await client.request({
        method: "PUT",
        path: "/r",
        body: chunks(),
        trailers: () => [["X-Done", "yes"]],
      });
      assert.deepEqual(requests, [
        `PUT /r HTTP/1.1\r\nHost: ${server.authority}\r\nTransfer-Encoding: chunked\r\n\r\n` +
        "0\r\nX-Done: yes\r\n\r\n",
      ]);
    },
  );

  await t.step(
    "a large chunk is framed with its size in hex and sent whole",
    async () => {
      const { server, requests } = recorder();
      await using _ = server;
      await using client = new Http1Client(server.authority);
      const big = new Uint8Array(300_000).fill(97);
      await client.request({ path: "/r", body: chunks(big, "!") });
      const expected =
        `POST /r HTTP/1.1\r\nHost: ${server.authority}\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `493e0\r\n${"a".repeat(300_000)}\r\n1\r\n!\r\n0\r\n\r\n`;
      assert.equal(requests.length, 1);
      assert.equal(requests[0].length, expected.length);
      assert.ok(requests[0] === expected, "the bytes differ");
    },
  );

  await t.step(
    "header values holding CR or LF are refused before anything is sent",
    async () => {
      const { server } = recorder();
      await using _ = server;
      await using client = new Http1Client(server.authority);
      await assert.rejects(
        client.request({
          path: "/r",
          headers: { "X-Evil": "a\r\nInjected: 1" },
        }),
        TypeError,
      );
      await assert.rejects(client.request({ path: "/a b" }), TypeError);
      await assert.rejects(
        client.request({ path: "/r", headers: { "Content-Length": "1" } }),
        TypeError,
      );
      assert.equal(server.accepted, 0);
    },
  );

  await t.step("a framing field cannot be sent as a trailer", async () => {
    const { server } = recorder();
    await using _ = server;
    await using client = new Http1Client(server.authority);
    await assert.rejects(
      client.request({
        path: "/r",
        body: chunks("x"),
        trailers: () => ({ "Content-Length": "1" }),
      }),
      TypeError,
    );
  });
});

Deno.test("Http1Client reads responses", async (t) => {
  async function answer(response: string | Uint8Array, method = "GET") {
    const server = rawServer(async (conn) => {
      await new RequestReader(conn).request();
      await write(conn, response);
    });
    await using _ = server;
    await using client = new Http1Client(server.authority);
    return await client.request({ method, path: "/" });
  }

  await t.step(
    "status, reason, headers and a Content-Length body",
    async () => {
      const response = await answer(
        'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nX-Two: a\r\nX-Two: b\r\nContent-Length: 13\r\n\r\n{"found":no}\n',
      );
      assert.equal(response.status, 404);
      assert.equal(response.statusText, "Not Found");
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.equal(response.headers.get("x-two"), "a, b");
      assert.equal(text(response.body), '{"found":no}\n');
    },
  );

  await t.step("a chunked body with extensions, and its trailers", async () => {
    const response = await answer(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "4;name=value\r\nWiki\r\n9\r\npedia in \r\n" +
        "0\r\nX-Checksum: 42\r\n\r\n",
    );
    assert.equal(text(response.body), "Wikipedia in ");
    assert.equal(response.trailers.get("x-checksum"), "42");
  });

  await t.step("interim 1xx responses are skipped", async () => {
    const response = await answer(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
        "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
    );
    assert.equal(response.status, 202);
    assert.equal(response.headers.get("link"), null);
  });

  await t.step(
    "a body without length runs to the end of the connection",
    async () => {
      const response = await answer("HTTP/1.0 200 OK\r\n\r\nall of it");
      assert.equal(text(response.body), "all of it");
    },
  );

  await t.step(
    "the answer to a HEAD has no body, whatever Content-Length says",
    async () => {
      const response = await answer(
        "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
        "HEAD",
      );
      assert.equal(response.body.byteLength, 0);
    },
  );

  await t.step("a malformed status line is an Http1ProtocolError", async () => {
    await assert.rejects(answer("HTP/1.1 200 OK\r\n\r\n"), Http1ProtocolError);
  });

  await t.step("a malformed chunk size is an Http1ProtocolError", async () => {
    await assert.rejects(
      answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
      Http1ProtocolError,
    );
  });

  await t.step(
    "a connection closed before the body ends is an Http1ProtocolError",
    async () => {
      await assert.rejects(
        answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"),
        /5 bytes before the end of the body/,
      );
    },
  );

  await t.step("a body larger than maxResponseBytes is refused", async () => {
    const server = rawServer(async (conn) => {
      await new RequestReader(conn).request();
      await write(
        conn,
        "HTTP/1.1 200 OK\r\nContent-Length: 2048\r\n\r\n" + "x".repeat(2048),
      );
    });
    await using _ = server;
    await using client = new Http1Client(server.authority, {
      maxResponseBytes: 1024,
    });
    await assert.rejects(
      client.request({ path: "/" }),
      /larger than 1024 bytes/,
    );
  });
});

Deno.test("Http1Client connections", async (t) => {
  await t.step(
    "keeps the connection alive: three requests, one connection",
    async () => {
      const { server, requests } = recorder();
      await using _ = server;
      await using client = new Http1Client(server.authority);
      await client.request({ path: "/1" });
      await client.request({ path: "/2", body: chunks("x") });
      await client.request({ path: "/3", body: "y" });
      assert.equal(requests.length, 3);
      assert.equal(server.accepted, 1);
    },
  );

  await t.step("opens a new connection after Connection: close", async () => {
    const { server, requests } = recorder(
      "HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    );
    await using _ = server;
    await using client = new Http1Client(server.authority);
    await client.request({ path: "/1" });
    await client.request({ path: "/2" });
    assert.equal(requests.length, 2);
    assert.equal(server.accepted, 2);
  });

  await t.step(
    "drops an idle connection the server closed, and dials a new one",
    async () => {
      const closedByServer = Promise.withResolvers<void>();
      const clientClosed = Promise.withResolvers<void>();
      const server = rawServer(async (conn, index) => {
        const reader = new RequestReader(conn);
        await reader.request();
        await write(conn, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        if (index === 0) {
          conn.close();
          closedByServer.resolve();
        }
      });
      await using _ = server;
      await using client = new Http1Client(server.authority, {
        async connect(options) {
          const conn = await Deno.connect(options);
          const close = conn.close.bind(conn);
          conn.close = () => {
            clientClosed.resolve();
            close();
          };
          return conn;
        },
      });
      await client.request({ path: "/1" });
      await closedByServer.promise;
      // The idle connection's watch read sees the server's FIN and closes it.
      await clientClosed.promise;
      const response = await client.request({ path: "/2", body: chunks("x") });
      assert.equal(response.status, 202);
      assert.equal(server.accepted, 2);
    },
  );

  await t.step(
    "a request whose first write fails on a reused connection goes out on a new one",
    async () => {
      const { server, requests } = recorder();
      await using _ = server;
      let failWrites = false;
      let dials = 0;
      await using client = new Http1Client(server.authority, {
        async connect(options) {
          const conn = await Deno.connect(options);
          const write = conn.write.bind(conn);
          // Only the first connection breaks: as a socket reset while the process was frozen.
          const breaks = dials++ === 0;
          conn.write = (bytes) => {
            if (breaks && failWrites) {
              return Promise.reject(new Deno.errors.ConnectionReset("reset"));
            }
            return write(bytes);
          };
          return conn;
        },
      });
      await client.request({ path: "/1" });
      failWrites = true;
      const response = await client.request({
        path: "/2",
        body: chunks("first", "second"),
      });
      assert.equal(response.status, 202);
      assert.equal(server.accepted, 2);
      assert.equal(requests.length, 2);
      assert.match(requests[1], /5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n$/);
    },
  );

  for (const [method, sends] of [["POST", 1], ["GET", 2]] as const) {
    await t.step(
      `a ${method} written whole on a reused connection, then cut unanswered, is sent ${sends} time(s)`,
      async () => {
        const seen: string[] = [];
        const server = rawServer(async (conn) => {
          const reader = new RequestReader(conn);
          for (;;) {
            const request = await reader.request();
            if (request === null) return;
            const line = text(request).split("\r\n")[0];
            seen.push(line);
            // The first request is answered; the one after it is read whole and cut.
            if (line.includes("/cut")) return;
            await write(conn, ACCEPTED);
          }
        });
        await using _ = server;
        await using client = new Http1Client(server.authority);
        await client.request({ path: "/first" });
        await assert.rejects(
          client.request({
            method,
            path: "/cut",
            body: method === "POST" ? "x" : undefined,
          }),
        );
        assert.equal(
          seen.filter((line) => line.includes("/cut")).length,
          sends,
        );
      },
    );
  }

  await t.step("a failure on a new connection is not retried", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    await using client = new Http1Client(`127.0.0.1:${port}`);
    await assert.rejects(
      client.request({ path: "/" }),
      Deno.errors.ConnectionRefused,
    );
  });
});

Deno.test("Http1Client streams with backpressure", async (t) => {
  await t.step(
    "a server that stops reading stops the producer, and all bytes arrive once it reads",
    async () => {
      const chunkSize = 64 * 1024;
      const total = 256 * 1024 * 1024; // far more than the socket buffers hold
      let pulled = 0;
      const startReading = Promise.withResolvers<void>();
      const server = rawServer(async (conn) => {
        const reader = new RequestReader(conn);
        await reader.head();
        await startReading.promise;
        // Counts body bytes until the terminating chunk, without keeping them.
        const buffer = new Uint8Array(1 << 20);
        let tail = "";
        for (;;) {
          const count = await conn.read(buffer);
          if (count === null) return;
          tail = (tail + text(buffer.subarray(Math.max(0, count - 16), count)))
            .slice(-16);
          if (tail.endsWith("\r\n0\r\n\r\n")) break;
        }
        await write(conn, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
      });
      await using _ = server;
      await using client = new Http1Client(server.authority);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled * chunkSize >= total) return controller.close();
          pulled++;
          controller.enqueue(new Uint8Array(chunkSize));
        },
      }, { highWaterMark: 0 });
      const request = client.request({ path: "/stream", body });
      // Waits until the producer has stalled: its count stops moving.
      let last = -1;
      while (pulled !== last) {
        last = pulled;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const stalledAt = pulled * chunkSize;
      assert.ok(
        stalledAt < 64 * 1024 * 1024,
        `the producer ran ahead to ${stalledAt} bytes while nobody read`,
      );
      startReading.resolve();
      const response = await request;
      assert.equal(response.status, 202);
      assert.equal(pulled * chunkSize, total);
    },
  );

  await t.step(
    "an answer before the body ends cancels the body and is returned",
    async () => {
      let cancelled: unknown;
      const server = rawServer(async (conn) => {
        await new RequestReader(conn).head();
        await write(
          conn,
          "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nbig!",
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
      });
      await using _ = server;
      await using client = new Http1Client(server.authority);
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          controller.enqueue(new Uint8Array(1024));
        },
        cancel(reason) {
          cancelled = reason;
        },
      }, { highWaterMark: 0 });
      const response = await client.request({ path: "/", body });
      assert.equal(response.status, 413);
      assert.equal(text(response.body), "big!");
      assert.ok(cancelled instanceof Error);
    },
  );

  await t.step(
    "a body stream that errors ends the connection without the last chunk",
    async () => {
      const seen = Promise.withResolvers<string>();
      const server = rawServer(async (conn) => {
        seen.resolve(text(await new RequestReader(conn).rest()));
      });
      await using _ = server;
      await using client = new Http1Client(server.authority);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode("half"));
        },
        pull(controller) {
          controller.error(new RangeError("the source broke"));
        },
      });
      await assert.rejects(client.request({ path: "/", body }), RangeError);
      const bytes = await seen.promise;
      assert.ok(bytes.endsWith("\r\n\r\n4\r\nhalf\r\n"), JSON.stringify(bytes));
    },
  );

  await t.step(
    "aborting closes the connection, cancels the body and rejects with the reason",
    async () => {
      let cancelled = false;
      const server = rawServer(async (conn) => {
        await new RequestReader(conn).rest();
      });
      await using _ = server;
      await using client = new Http1Client(server.authority);
      const controller = new AbortController();
      const body = new ReadableStream<Uint8Array>({
        async pull(stream) {
          stream.enqueue(encoder.encode("tick"));
          await new Promise((resolve) => setTimeout(resolve, 5));
        },
        cancel() {
          cancelled = true;
        },
      }, { highWaterMark: 0 });
      const request = client.request({
        path: "/",
        body,
        signal: controller.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const reason = new Error("stop");
      controller.abort(reason);
      await assert.rejects(request, (error) => error === reason);
      assert.equal(cancelled, true);
    },
  );
});
