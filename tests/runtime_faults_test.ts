// The runtime against a Runtime API that misbehaves: cut bodies, stalls, a 500, a late 410, and the API gone.
import assert from "node:assert/strict";
import { runLoop, RuntimeApiError } from "../src/runtime.ts";
import { environment, memoryLogger } from "./_fake_runtime_api.ts";
import { faultyRuntimeApi } from "./_faulty_runtime_api.ts";

const echo = (event: { id: string }) => event.id;

Deno.test("the runtime against a misbehaving Runtime API", async (t) => {
  await t.step(
    "a /next whose body is cut is asked again, and the invocation is answered once",
    async () => {
      await using api = faultyRuntimeApi(["a", "b"], {
        next: (n) => n === 0 ? "cut" : "answer",
      });
      const stop = new AbortController();
      const logger = memoryLogger();
      const loop = runLoop(echo, {
        environment: { ...environment, runtimeApi: api.authority },
        logger,
        signal: stop.signal,
        nextRetryDelays: [0, 0, 0],
      });
      await api.drained;
      stop.abort();
      await loop;
      assert.deepEqual([...api.answers], [["a", 1], ["b", 1]]);
      assert.ok(
        logger.lines.some((line) => /next failed.*retrying/.test(line)),
      );
    },
  );

  await t.step("a /next that stalls, then answers, is served", async () => {
    await using api = faultyRuntimeApi(["a"], { next: () => ({ stall: 30 }) });
    const stop = new AbortController();
    const loop = runLoop(echo, {
      environment: { ...environment, runtimeApi: api.authority },
      logger: memoryLogger(),
      signal: stop.signal,
    });
    await api.drained;
    stop.abort();
    await loop;
    assert.deepEqual([...api.answers], [["a", 1]]);
  });

  await t.step("a 500 from /next stops the runtime", async () => {
    await using api = faultyRuntimeApi(["a"], { next: () => "500" });
    await assert.rejects(
      runLoop(echo, {
        environment: { ...environment, runtimeApi: api.authority },
        logger: memoryLogger(),
      }),
      (error) => error instanceof RuntimeApiError && error.status === 500,
    );
    assert.equal(api.answers.size, 0);
  });

  await t.step(
    "a 410 for a late reply is logged and the loop goes on",
    async () => {
      await using api = faultyRuntimeApi(["late", "b"], {
        response: (id) => id === "late" ? 410 : 202,
      });
      const stop = new AbortController();
      const logger = memoryLogger();
      const loop = runLoop(echo, {
        environment: { ...environment, runtimeApi: api.authority },
        logger,
        signal: stop.signal,
      });
      await api.drained;
      stop.abort();
      await loop;
      assert.deepEqual([...api.answers], [["late", 1], ["b", 1]]);
      assert.ok(
        logger.lines.some((line) =>
          line.startsWith("WARN Invocation late had already timed out")
        ),
      );
    },
  );

  await t.step(
    "a refused /next after a post that got no answer stops at once, without retries",
    async () => {
      await using api = faultyRuntimeApi(["a"]);
      const started = Promise.withResolvers<void>();
      const release = Promise.withResolvers<string>();
      const logger = memoryLogger();
      const loop = runLoop(() => {
        started.resolve();
        return release.promise;
      }, {
        environment: { ...environment, runtimeApi: api.authority },
        logger,
      });
      await started.promise;
      api.stopListening();
      release.resolve("done");
      await assert.rejects(
        loop,
        (error) => error instanceof RuntimeApiError && error.status === 0,
      );
      assert.ok(logger.lines.some((line) => /Could not deliver/.test(line)));
      assert.ok(!logger.lines.some((line) => /retrying/.test(line)));
    },
  );

  // The last invocation sleeps far past its deadline: only the deadline watch can end it.
  for (
    const [what, deadlines] of [
      ["", [50]],
      [" after a fast one whose deadline is later", [30, 80]],
      [" after a fast one whose deadline is earlier", [3_600_000, 50]],
    ] as const
  ) {
    await t.step(
      `a handler past its deadline${what} with the API gone fails, and the runtime stops`,
      async () => {
        const left = [...deadlines];
        const ids = deadlines.length === 1 ? ["stuck"] : ["fast", "stuck"];
        await using api = faultyRuntimeApi(ids, {
          deadlineMs: () => Date.now() + (left.shift() ?? 0),
        });
        const started = Promise.withResolvers<void>();
        let sleeping: ReturnType<typeof setTimeout> | undefined;
        const loop = runLoop((event: { id: string }) => {
          if (event.id === "fast") return event.id;
          started.resolve();
          return new Promise(() => sleeping = setTimeout(() => {}, 60_000));
        }, {
          environment: { ...environment, runtimeApi: api.authority },
          logger: memoryLogger(),
        });
        await started.promise;
        api.stopListening();
        await assert.rejects(
          loop,
          (error) =>
            error instanceof RuntimeApiError &&
            /invocation stuck is past its deadline/.test(error.message),
        );
        clearTimeout(sleeping);
      },
    );
  }

  await t.step(
    "a handler past its deadline with the API there goes on",
    async () => {
      await using api = faultyRuntimeApi(["a"], {
        deadlineMs: () => Date.now() + 20,
      });
      const stop = new AbortController();
      const loop = runLoop(async (event: { id: string }) => {
        // Outlives its deadline; the platform is there, so nothing stops it.
        await new Promise((resolve) => setTimeout(resolve, 80));
        return event.id;
      }, {
        environment: { ...environment, runtimeApi: api.authority },
        logger: memoryLogger(),
        signal: stop.signal,
      });
      await api.drained;
      stop.abort();
      await loop;
      assert.deepEqual([...api.answers], [["a", 1]]);
    },
  );
});
