// A malformed /next answer never makes the loop spin: reported when it can be, backed off and bounded when not; deadlines clamped.
import assert from "node:assert/strict";
import type { Context } from "../mod.ts";
import { runLoop, RuntimeApiError } from "../src/runtime.ts";
import {
  environment,
  fakeApi,
  invocation,
  memoryLogger,
} from "./_fake_runtime_api.ts";

/** A real Runtime API over HTTP whose `/next` answers with `headers` (and no request id unless given); it records the posts. */
function malformedApi(headers: () => Record<string, string>) {
  let polls = 0;
  const posts: { path: string; body: string; type: string | null }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path.endsWith("/invocation/next")) {
        // A loop that spins is stopped with a 500 (and fails the count) instead of hanging the test.
        if (++polls > 100) return new Response("spun", { status: 500 });
        return new Response("{}", { headers: headers() });
      }
      posts.push({
        path,
        body: await request.text(),
        type: request.headers.get("lambda-runtime-function-error-type"),
      });
      return new Response(null, { status: 202 });
    },
  );
  return {
    server,
    authority: `127.0.0.1:${server.addr.port}`,
    posts,
    get polls() {
      return polls;
    },
  };
}

Deno.test("a malformed /next answer", async (t) => {
  await t.step(
    "without a request id, is asked again after each pause, and the loop stops after the last",
    async () => {
      const api = malformedApi(() => ({
        "lambda-runtime-deadline-ms": String(Date.now() + 1000),
      }));
      await using _ = api.server;
      const logger = memoryLogger();
      await assert.rejects(
        runLoop(() => "never", {
          environment: { ...environment, runtimeApi: api.authority },
          logger,
          nextRetryDelays: [0, 0, 0],
        }),
        (error) =>
          error instanceof RuntimeApiError &&
          /Lambda-Runtime-Aws-Request-Id/.test(error.message),
      );
      // One /next, then one per pause: bounded, not 16,861 in 6 s.
      assert.equal(api.polls, 4);
      assert.equal(api.posts.length, 0);
      assert.equal(
        logger.lines.filter((line) => /retrying in 0 ms/.test(line)).length,
        3,
      );
    },
  );

  await t.step(
    "with a request id and a bad deadline, is reported as Runtime.InvalidHeader",
    async () => {
      let first = true;
      const api = malformedApi((): Record<string, string> => {
        if (!first) return {};
        first = false;
        return {
          "lambda-runtime-aws-request-id": "bad-deadline",
          "lambda-runtime-deadline-ms": "soon",
        };
      });
      await using _ = api.server;
      await assert.rejects(
        runLoop(() => "never", {
          environment: { ...environment, runtimeApi: api.authority },
          logger: memoryLogger(),
          nextRetryDelays: [],
        }),
        RuntimeApiError,
      );
      assert.equal(api.posts.length, 1);
      assert.equal(
        api.posts[0].path,
        "/2018-06-01/runtime/invocation/bad-deadline/error",
      );
      assert.equal(api.posts[0].type, "Runtime.InvalidHeader");
      assert.match(api.posts[0].body, /Lambda-Runtime-Deadline-Ms/);
    },
  );

  await t.step(
    "a good invocation between malformed ones starts the count again",
    async () => {
      const queue = [
        invocation("{}", ""),
        invocation("{}", "good"),
        invocation("{}", ""),
        invocation("{}", "after"),
      ];
      const api = fakeApi(queue);
      const stop = new AbortController();
      const loop = runLoop(() => "ok", {
        environment,
        runtimeApi: api,
        logger: memoryLogger(),
        signal: stop.signal,
        // One retry allowed: two id-less answers in a row would stop the loop.
        nextRetryDelays: [0],
      });
      await api.sentCount(2);
      stop.abort();
      await loop;
      assert.deepEqual(api.sent.map((sent) => sent.id), ["good", "after"]);
    },
  );
});

Deno.test("an invocation's deadline is clamped to what Lambda allows", async (t) => {
  async function remaining(
    deadlineMs: number,
    functionTimeoutSeconds?: number,
  ): Promise<number> {
    const api = fakeApi([invocation("{}", "far", {}, deadlineMs)]);
    const stop = new AbortController();
    const loop = runLoop((_event, context: Context) => {
      stop.abort();
      return context.getRemainingTimeInMillis();
    }, {
      environment: { ...environment, functionTimeoutSeconds },
      runtimeApi: api,
      logger: memoryLogger(),
      signal: stop.signal,
    });
    await api.sentCount(1);
    await loop;
    return Number(api.sent[0].body);
  }

  await t.step("a deadline of 99999999999999999999 is 15 minutes", async () => {
    const left = await remaining(99999999999999999999);
    assert.ok(left <= 15 * 60 * 1000, `${left}`);
    assert.ok(left > 15 * 60 * 1000 - 60_000, `${left}`);
  });

  await t.step("or the function's timeout, when it is set", async () => {
    const left = await remaining(99999999999999999999, 30);
    assert.ok(left <= 30_000 && left > 0, `${left}`);
  });

  await t.step("a deadline within the limit is kept", async () => {
    const deadline = Date.now() + 120_000;
    const left = await remaining(deadline, 300);
    assert.ok(left <= 120_000 && left > 60_000, `${left}`);
  });
});
