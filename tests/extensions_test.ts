// The Extensions API client against a stand-in Extensions API on loopback: what it sends, and how it
// reads what comes back.
import assert from "node:assert/strict";
import {
  createExtensionsApi,
  type ExtensionEvent,
  ExtensionsApiError,
  listenTelemetry,
  type TelemetryEvent,
} from "../src/extensions/client.ts";
import { onShutdown } from "../src/extensions/shutdown.ts";
import { memoryLogger } from "./_fake_runtime_api.ts";

interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}

/** A stand-in API: records each request, answers `register` with id "ext-1" and `next` from `events`. */
function standIn(events: ExtensionEvent[], status = 200) {
  const seen: Seen[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      seen.push({
        method: request.method,
        path,
        headers: request.headers,
        body: await request.text(),
      });
      if (status !== 200) return new Response("refused", { status });
      if (path.endsWith("/extension/register")) {
        return Response.json({
          functionName: "helloWorld",
          functionVersion: "$LATEST",
          handler: "bootstrap",
          accountId: "123456789012",
        }, { headers: { "lambda-extension-identifier": "ext-1" } });
      }
      if (path.endsWith("/event/next")) {
        const event = events.shift();
        return event === undefined
          ? new Response("no more", { status: 500 })
          : Response.json(event);
      }
      if (path.endsWith("/error")) return Response.json({}, { status: 202 });
      return new Response("OK");
    },
  );
  return {
    seen,
    host: `127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

const invoke: ExtensionEvent = {
  eventType: "INVOKE",
  deadlineMs: 1_700_000_003_000,
  requestId: "3da1f2dc-3222-475e-9205-e2e6c6318895",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
  tracing: {
    type: "X-Amzn-Trace-Id",
    value: "Root=1-5f35ae12-0c0fec141ab77a00bc047aa2",
  },
};
const shutdown: ExtensionEvent = {
  eventType: "SHUTDOWN",
  shutdownReason: "spindown",
  deadlineMs: 1_700_000_005_000,
};

Deno.test("Extensions API client", async (t) => {
  await t.step(
    "register sends the name, the events and the features, and keeps the identifier",
    async () => {
      await using api = standIn([]);
      const extension = await createExtensionsApi(api.host).register(
        "log_shipper",
        ["INVOKE", "SHUTDOWN"],
        { acceptFeatures: ["accountId"] },
      );
      const [request] = api.seen;
      assert.equal(request.method, "POST");
      assert.equal(request.path, "/2020-01-01/extension/register");
      assert.equal(
        request.headers.get("lambda-extension-name"),
        "log_shipper",
      );
      assert.equal(
        request.headers.get("lambda-extension-accept-feature"),
        "accountId",
      );
      assert.deepEqual(JSON.parse(request.body), {
        events: ["INVOKE", "SHUTDOWN"],
      });
      assert.equal(extension.id, "ext-1");
      assert.deepEqual(extension.info, {
        functionName: "helloWorld",
        functionVersion: "$LATEST",
        handler: "bootstrap",
        accountId: "123456789012",
      });
    },
  );

  await t.step(
    "events() yields INVOKE and SHUTDOWN, sending the identifier, and ends after SHUTDOWN",
    async () => {
      await using api = standIn([invoke, shutdown, invoke]);
      const extension = await createExtensionsApi(api.host).register("x", [
        "INVOKE",
        "SHUTDOWN",
      ]);
      const received: ExtensionEvent[] = [];
      for await (const event of extension.events()) received.push(event);
      assert.deepEqual(received, [invoke, shutdown]);
      const polls = api.seen.filter((s) => s.path.endsWith("/event/next"));
      assert.equal(polls.length, 2);
      assert.ok(
        polls.every((s) =>
          s.method === "GET" &&
          s.headers.get("lambda-extension-identifier") === "ext-1"
        ),
      );
    },
  );

  await t.step(
    "initError and exitError post the report with its error type",
    async () => {
      await using api = standIn([]);
      const extension = await createExtensionsApi(api.host).register("x", []);
      await extension.initError(
        new TypeError("no config"),
        "Extension.ConfigInvalid",
      );
      await extension.exitError(new Error("lost the socket"));
      const [init, exit] = api.seen.slice(1);
      assert.equal(init.path, "/2020-01-01/extension/init/error");
      assert.equal(
        init.headers.get("lambda-extension-function-error-type"),
        "Extension.ConfigInvalid",
      );
      assert.equal(init.headers.get("lambda-extension-identifier"), "ext-1");
      assert.equal(JSON.parse(init.body).errorMessage, "no config");
      assert.equal(exit.path, "/2020-01-01/extension/exit/error");
      assert.equal(
        exit.headers.get("lambda-extension-function-error-type"),
        "Extension.Error",
      );
    },
  );

  await t.step(
    "subscribeTelemetry puts the destination, the types and the buffering",
    async () => {
      await using api = standIn([]);
      const extension = await createExtensionsApi(api.host).register("x", []);
      await extension.subscribeTelemetry({
        uri: "http://sandbox.localdomain:4243",
        types: ["function", "extension"],
        buffering: { timeoutMs: 25 },
      });
      const request = api.seen[1];
      assert.equal(request.method, "PUT");
      assert.equal(request.path, "/2022-07-01/telemetry");
      assert.equal(
        request.headers.get("lambda-extension-identifier"),
        "ext-1",
      );
      assert.deepEqual(JSON.parse(request.body), {
        schemaVersion: "2022-12-13",
        destination: {
          protocol: "HTTP",
          URI: "http://sandbox.localdomain:4243",
        },
        types: ["function", "extension"],
        buffering: { timeoutMs: 25 },
      });
    },
  );

  await t.step(
    "a refused registration is an ExtensionsApiError with the status",
    async () => {
      await using api = standIn([], 403);
      const error = await createExtensionsApi(api.host).register("x", [])
        .then(() => undefined, (thrown) => thrown);
      assert.ok(error instanceof ExtensionsApiError);
      assert.equal(error.status, 403);
      assert.equal(error.operation, "register");
      assert.match(error.message, /refused/);
    },
  );

  await t.step(
    "an unreachable API is an ExtensionsApiError with status 0",
    async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      listener.close();
      await assert.rejects(
        createExtensionsApi(`127.0.0.1:${port}`).register("x", []),
        (error: unknown) =>
          error instanceof ExtensionsApiError && error.status === 0,
      );
    },
  );

  await t.step(
    "the telemetry listener hands each posted batch over, and refuses what is not one",
    async () => {
      const batches: TelemetryEvent[][] = [];
      await using listener = listenTelemetry({
        hostname: "127.0.0.1",
        onEvents: (events) => {
          batches.push(events);
        },
      });
      const event = {
        time: "2022-10-12T00:03:50.000Z",
        type: "function",
        record: "hi",
      };
      const ok = await fetch(listener.uri, {
        method: "POST",
        body: JSON.stringify([event]),
      });
      await ok.body?.cancel();
      const bad = await fetch(listener.uri, { method: "POST", body: "{}" });
      await bad.body?.cancel();
      assert.equal(ok.status, 200);
      assert.equal(bad.status, 400);
      assert.deepEqual(batches, [[event]]);
    },
  );
});

Deno.test("onShutdown called twice", async (t) => {
  let registrations = 0;
  const transport = (input: string | URL | Request) => {
    if (!String(input).endsWith("/register")) {
      return new Promise<Response>(() => {}); // /event/next: no events
    }
    registrations++;
    return Promise.resolve(
      Response.json({}, {
        headers: { "lambda-extension-identifier": `id-${registrations}` },
      }),
    );
  };

  const ran: string[] = [];
  const options = {
    runtimeApi: "127.0.0.1:9001",
    transport,
    logger: memoryLogger(),
  };
  using first = await onShutdown(() => {
    ran.push("first");
  }, options);
  const second = await onShutdown(() => {
    ran.push("second");
  }, options);

  await t.step("registers one extension, shared by both", () => {
    assert.equal(registrations, 1);
    assert.equal(second.extensionId, first.extensionId);
  });

  await t.step(
    "runs every joined hook but one whose handle was disposed",
    async () => {
      second[Symbol.dispose]();
      using _third = await onShutdown(() => {
        ran.push("third");
      }, options);
      await first.run();
      assert.deepEqual(ran.sort(), ["first", "third"]);
      assert.equal(registrations, 1);
    },
  );
});
