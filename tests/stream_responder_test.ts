// streamResponder: what each handler result becomes before it reaches RuntimeApi.stream.
import assert from "node:assert/strict";
import { type Context, TypedError } from "../mod.ts";
import type { ResponseStreamOptions, RuntimeApi } from "../src/runtime.ts";
import { streamResponder } from "../src/streaming/stream.ts";
import { fakeApi, invocation, memoryLogger } from "./_fake_runtime_api.ts";

interface Streamed {
  text: string;
  options: ResponseStreamOptions | undefined;
}

/** A RuntimeApi whose stream() reads the whole body; `midway` runs with the options while it does. */
function streamingApi(
  midway?: (options: ResponseStreamOptions | undefined) => void,
): RuntimeApi & { streamed: Streamed[] } {
  const streamed: Streamed[] = [];
  return {
    ...fakeApi([]),
    streamed,
    async stream(_invocation, body, options) {
      midway?.(options);
      // Chunks may be strings: RuntimeApi.stream encodes them, so this reader does too.
      let text = "";
      const decoder = new TextDecoder();
      for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
        text += typeof chunk === "string" ? chunk : decoder.decode(chunk);
      }
      streamed.push({ text, options });
    },
  };
}

const context = {} as Context;

Deno.test("streamResponder", async (t) => {
  await t.step(
    "a ReadableStream of strings goes out with the content type given",
    async () => {
      const api = streamingApi();
      await streamResponder({ contentType: "text/plain" })(
        ReadableStream.from(["a", "b"]),
        invocation("{}"),
        api,
        context,
      );
      assert.equal(api.streamed[0].text, "ab");
      assert.equal(api.streamed[0].options?.contentType, "text/plain");
    },
  );

  await t.step(
    "without a content type, it is application/octet-stream",
    async () => {
      const api = streamingApi();
      await streamResponder()("x", invocation("{}"), api, context);
      assert.equal(
        api.streamed[0].options?.contentType,
        "application/octet-stream",
      );
    },
  );

  await t.step(
    "a Response goes out as Lambda's HTTP integration response",
    async () => {
      const api = streamingApi();
      await streamResponder({ contentType: "text/plain" })(
        new Response("body", { status: 418, headers: { "x-a": "1" } }),
        invocation("{}"),
        api,
        context,
      );
      assert.equal(
        api.streamed[0].options?.contentType,
        "application/vnd.awslambda.http-integration-response",
      );
      assert.equal(
        api.streamed[0].text,
        '{"statusCode":418,"headers":{"content-type":"text/plain;charset=UTF-8","x-a":"1"},"cookies":[]}' +
          "\0".repeat(8) + "body",
      );
    },
  );

  await t.step(
    "generators, iterables, Blobs, strings, bytes and null are each streamed",
    async () => {
      async function* generate() {
        yield "g1";
        yield new TextEncoder().encode("g2");
      }
      const cases: [unknown, string][] = [
        [generate(), "g1g2"],
        [["i1", "i2"], "i1i2"],
        [new Blob(["blob"]), "blob"],
        ["text", "text"],
        [new TextEncoder().encode("bytes"), "bytes"],
        [null, ""],
        [undefined, ""],
      ];
      for (const [result, expected] of cases) {
        const api = streamingApi();
        await streamResponder()(result, invocation("{}"), api, context);
        assert.equal(api.streamed[0].text, expected);
      }
    },
  );

  await t.step(
    "a result that cannot be streamed is a Runtime.MarshalError",
    async () => {
      const api = streamingApi();
      await assert.rejects(
        streamResponder()({ not: "a stream" }, invocation("{}"), api, context),
        (error) =>
          error instanceof TypedError &&
          error.errorType === "Runtime.MarshalError",
      );
      assert.equal(api.streamed.length, 0);
    },
  );

  await t.step(
    "a Runtime API without stream() is Runtime.StreamingUnsupported",
    async () => {
      await assert.rejects(
        streamResponder()("x", invocation("{}"), fakeApi([]), context),
        (error) =>
          error instanceof TypedError &&
          error.errorType === "Runtime.StreamingUnsupported",
      );
    },
  );

  await t.step(
    "a mid-stream failure is logged with the request id",
    async () => {
      const logger = memoryLogger();
      const api = streamingApi((options) => {
        options?.formatError?.(new RangeError("midway"));
      });
      await streamResponder({ logger })(
        "x",
        invocation("{}", "req-9"),
        api,
        context,
      );
      assert.deepEqual(logger.lines, [
        "ERROR Invocation req-9 failed mid-stream: RangeError: midway",
      ]);
    },
  );
});
