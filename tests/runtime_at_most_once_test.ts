// An answer is sent at most once: a Runtime API that reads a whole POST, then cuts the connection unanswered, sees one POST.
import assert from "node:assert/strict";
import { createRuntimeApi, runLoop } from "../src/runtime.ts";
import { environment, invocation, memoryLogger } from "./_fake_runtime_api.ts";
import {
  rawServer,
  refusedAddress,
  RequestReader,
  text,
  write,
} from "./_raw_server.ts";

/** A Runtime API on a raw socket: `/next` hands out `ids` on one kept-alive connection; every POST is read whole, counted, and cut. */
function cuttingRuntimeApi(ids: string[]) {
  const posts: string[] = [];
  const drained = Promise.withResolvers<void>();
  const server = rawServer(async (conn) => {
    const reader = new RequestReader(conn);
    for (;;) {
      const request = await reader.request();
      if (request === null) return;
      const head = text(request);
      if (head.startsWith("POST ")) {
        posts.push(head.slice(0, head.indexOf(" HTTP/1.1")));
        // Read whole, then cut with no answer: the request reached the API.
        return;
      }
      const id = ids.shift();
      if (id === undefined) {
        // Polled again: the loop is done with the answer. Hold the poll until the test ends.
        drained.resolve();
        return void await reader.rest();
      }
      await write(
        conn,
        `HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: ${id}\r\n` +
          `lambda-runtime-deadline-ms: ${
            Date.now() + 60_000
          }\r\ncontent-length: 2\r\n\r\n{}`,
      );
    }
  });
  return { server, posts, drained: drained.promise };
}

Deno.test("an answer is sent at most once", async (t) => {
  for (
    const [what, handler, path] of [
      [
        "a response",
        () => "ok",
        "POST /2018-06-01/runtime/invocation/a/response",
      ],
      ["an error", () => {
        throw new Error("boom");
      }, "POST /2018-06-01/runtime/invocation/a/error"],
    ] as const
  ) {
    await t.step(
      `${what} whose connection is cut after the body was read is POSTed once`,
      async () => {
        const api = cuttingRuntimeApi(["a"]);
        await using _ = api.server;
        const stop = new AbortController();
        const logger = memoryLogger();
        const loop = runLoop(handler, {
          environment: { ...environment, runtimeApi: api.server.authority },
          logger,
          signal: stop.signal,
        });
        await api.drained;
        stop.abort();
        await loop;
        assert.deepEqual(api.posts, [path]);
        assert.ok(logger.lines.some((line) => /Could not deliver/.test(line)));
      },
    );
  }

  await t.step(
    "createRuntimeApi's respond rejects with status 0 after one POST",
    async () => {
      const api = cuttingRuntimeApi(["a"]);
      await using _ = api.server;
      const client = createRuntimeApi(api.server.authority);
      const next = await client.next();
      await assert.rejects(
        client.respond(next, '"ok"'),
        (error) =>
          error instanceof Error && error.name === "RuntimeApiError" &&
          (error as { status?: number }).status === 0,
      );
      assert.deepEqual(api.posts, [
        "POST /2018-06-01/runtime/invocation/a/response",
      ]);
    },
  );

  await t.step(
    "an answer whose connection is refused goes again: it never left",
    async () => {
      const address = refusedAddress();
      let dials = 0;
      const client = createRuntimeApi(address, {
        transport: (input, init) => {
          dials++;
          return fetch(input, init);
        },
      });
      await assert.rejects(
        client.respond(invocation("{}", "a"), '"ok"'),
        (error) => (error as { status?: number }).status === 0,
      );
      assert.equal(dials, 2);
    },
  );
});
