// The HTTP/1.1 response reader, fed however the bytes happen to arrive.
import assert from "node:assert/strict";
import { readResponse } from "../src/core/_http1/response.ts";

const encoder = new TextEncoder();

/** A source that hands out `bytes` in pieces of `size`. */
function pieces(text: string, size: number) {
  const bytes = encoder.encode(text);
  let offset = 0;
  return () => {
    if (offset >= bytes.byteLength) return Promise.resolve(null);
    const piece = bytes.slice(offset, offset + size);
    offset += size;
    return Promise.resolve(piece);
  };
}

const chunked =
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n" +
  "3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: done\r\n\r\n";

Deno.test("readResponse", async (t) => {
  await t.step("parses a chunked response fed one byte at a time", async () => {
    const { response, reusable, extra } = await readResponse(
      pieces(chunked, 1),
      "POST",
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-a"), "1");
    assert.equal(
      new TextDecoder().decode(response.body),
      "abc0123456789abcdef",
    );
    assert.equal(response.trailers.get("x-t"), "done");
    assert.equal(reusable, true);
    assert.equal(extra, false);
  });

  await t.step("parses the same response whatever the piece size", async () => {
    for (const size of [2, 3, 7, 64, 4096]) {
      const { response } = await readResponse(pieces(chunked, size), "POST");
      assert.equal(
        new TextDecoder().decode(response.body),
        "abc0123456789abcdef",
        `size ${size}`,
      );
    }
  });

  await t.step(
    "Connection: close makes the connection not reusable",
    async () => {
      const { reusable } = await readResponse(
        pieces(
          "HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
          5,
        ),
        "POST",
      );
      assert.equal(reusable, false);
    },
  );

  await t.step(
    "bytes past the response are reported, so the connection is dropped",
    async () => {
      const { extra } = await readResponse(
        pieces(
          "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n",
          100,
        ),
        "POST",
      );
      assert.equal(extra, true);
    },
  );

  await t.step("conflicting Content-Length values are refused", async () => {
    await assert.rejects(
      readResponse(
        pieces(
          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
          100,
        ),
        "GET",
      ),
      /Invalid Content-Length/,
    );
  });

  await t.step("a bare LF line ending is refused", async () => {
    await assert.rejects(
      readResponse(
        pieces("HTTP/1.1 200 OK\nContent-Length: 0\n\n", 100),
        "GET",
      ),
      /bare LF/,
    );
  });

  await t.step(
    "an empty source means the connection closed before any response",
    async () => {
      await assert.rejects(
        readResponse(pieces("", 1), "GET"),
        /before a response/,
      );
    },
  );
});
