// run()'s two explicit forms: a function is the handler whatever its parameters; `{ init }` is the initializer.
import assert from "node:assert/strict";
import { resolveHandler } from "../src/_resolve_handler.ts";
import { respondJson } from "../src/core/codec.ts";
import type { RuntimeApi } from "../src/runtime.ts";
import { invocation } from "./_fake_runtime_api.ts";

Deno.test("resolveHandler", async (t) => {
  await t.step(
    "a function with a defaulted parameter is the handler",
    async () => {
      let called = false;
      const handler = (event: unknown = {}) => {
        called = true;
        return event;
      };
      assert.equal(handler.length, 0);
      assert.equal(await resolveHandler(handler), handler);
      assert.equal(called, false);
    },
  );

  await t.step("{ init } is called once and its handler used", async () => {
    let calls = 0;
    const handler = () => "ok";
    const made = await resolveHandler({
      init: () => {
        calls++;
        return handler;
      },
    });
    assert.equal(made, handler);
    assert.equal(calls, 1);
  });

  await t.step(
    "an initializer returning no function names the form",
    async () => {
      await assert.rejects(
        resolveHandler({ init: () => 42 as never }),
        (error: Error) =>
          error.name === "InitError" && /returned number/.test(error.message) &&
          error.message.includes("run({ init: async () =>"),
      );
    },
  );

  await t.step("something that is neither names both forms", async () => {
    await assert.rejects(
      resolveHandler("handler" as never),
      (error: Error) =>
        error.name === "InitError" && /got string/.test(error.message) &&
        error.message.includes("run((event, context) =>") &&
        error.message.includes("run({ init:"),
    );
  });
});

Deno.test("respondJson", async (t) => {
  await t.step(
    "a handler returning a function is told about run({ init })",
    async () => {
      const api = {} as RuntimeApi;
      await assert.rejects(
        async () =>
          await respondJson(() => "handler", invocation("{}", "r1"), api),
        (error: Error & { errorType?: string }) =>
          error.errorType === "Runtime.MarshalError" &&
          error.message.includes("run({ init:"),
      );
    },
  );
});
