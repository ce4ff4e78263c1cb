// The Extensions API client sends what changes something at most once: an API that reads a whole request, then cuts the connection unanswered, sees it once.
import assert from "node:assert/strict";
import { createExtensionsApi } from "../src/extensions/client.ts";
import {
  rawServer,
  refusedAddress,
  RequestReader,
  text,
  write,
} from "./_raw_server.ts";

/** An Extensions API on a raw socket: registration is answered, every other request is read whole, counted, and cut. */
function cuttingExtensionsApi() {
  const requests: string[] = [];
  const server = rawServer(async (conn) => {
    const reader = new RequestReader(conn);
    for (;;) {
      const request = await reader.request();
      if (request === null) return;
      const head = text(request);
      const line = head.slice(0, head.indexOf(" HTTP/1.1"));
      requests.push(line);
      if (line !== "POST /2020-01-01/extension/register") return;
      const body =
        '{"functionName":"f","functionVersion":"$LATEST","handler":"h"}';
      await write(
        conn,
        `HTTP/1.1 200 OK\r\nlambda-extension-identifier: id-1\r\n` +
          `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      );
    }
  });
  return { server, requests };
}

/** A server that counts registrations and cuts each one after reading it whole. */
function cuttingRegistration() {
  const requests: string[] = [];
  const server = rawServer(async (conn) => {
    const request = await new RequestReader(conn).request();
    if (request === null) return;
    const head = text(request);
    requests.push(head.slice(0, head.indexOf(" HTTP/1.1")));
  });
  return { server, requests };
}

const isLost = (error: unknown) =>
  error instanceof Error && error.name === "ExtensionsApiError" &&
  (error as { status?: number }).status === 0;

Deno.test("the Extensions API client sends at most once", async (t) => {
  await t.step(
    "a registration whose connection is cut after the body was read is POSTed once",
    async () => {
      const api = cuttingRegistration();
      await using _ = api.server;
      await assert.rejects(
        createExtensionsApi(api.server.authority).register("x", ["INVOKE"]),
        isLost,
      );
      assert.deepEqual(api.requests, ["POST /2020-01-01/extension/register"]);
    },
  );

  for (
    const [what, send, line] of [
      [
        "an init error",
        (e: { initError(error: unknown): Promise<void> }) =>
          e.initError(new Error("boom")),
        "POST /2020-01-01/extension/init/error",
      ],
      [
        "an exit error",
        (e: { exitError(error: unknown): Promise<void> }) =>
          e.exitError(new Error("boom")),
        "POST /2020-01-01/extension/exit/error",
      ],
      [
        "a telemetry subscription",
        (e: {
          subscribeTelemetry(s: { uri: string; types: "function"[] }): Promise<
            void
          >;
        }) =>
          e.subscribeTelemetry({
            uri: "http://sandbox:1234",
            types: ["function"],
          }),
        "PUT /2022-07-01/telemetry",
      ],
    ] as const
  ) {
    await t.step(
      `${what} whose connection is cut after the body was read is sent once`,
      async () => {
        const api = cuttingExtensionsApi();
        await using _ = api.server;
        const extension = await createExtensionsApi(api.server.authority)
          .register("x", ["INVOKE"]);
        assert.equal(extension.id, "id-1");
        await assert.rejects(send(extension), isLost);
        assert.deepEqual(api.requests, [
          "POST /2020-01-01/extension/register",
          line,
        ]);
      },
    );
  }

  await t.step(
    "a registration whose connection is refused goes again: it never left",
    async () => {
      const address = refusedAddress();
      let dials = 0;
      const api = createExtensionsApi(address, {
        transport: (input, init) => {
          dials++;
          return fetch(input, init);
        },
      });
      await assert.rejects(api.register("x", ["INVOKE"]), isLost);
      assert.equal(dials, 2);
    },
  );
});
