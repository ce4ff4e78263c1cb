// The gate in front of every listener: a request whose Host is not the listener's own (DNS rebinding) and a
// cross-origin browser request are refused with 403 in the API's error shape, the body unread, nothing started.
import assert from "node:assert/strict";
import { gateRefusal } from "../local/src/gate.ts";
import { serveControlPlane } from "../local/mod.ts";
import { createZip } from "../scripts/zip.ts";
import { emulate, fixture } from "./_emulator.ts";
import { HOST_ARCH, ROLE } from "./_control_plane.ts";
import { rawRequest } from "./_raw_http.ts";

const own = { hostname: "127.0.0.1", port: 9000 };

Deno.test("the gate's check", async (t) => {
  await t.step(
    "lets the listener's own loopback names through, in any case, with or without the port",
    () => {
      for (
        const host of [
          "127.0.0.1:9000",
          "localhost:9000",
          "[::1]:9000",
          "LocalHost:9000",
          // A hand-written client's bare name: a rebinding page sends its own name.
          "127.0.0.1",
          "[::1]",
        ]
      ) {
        assert.equal(
          gateRefusal(host, undefined, undefined, own),
          undefined,
          host,
        );
      }
    },
  );
  await t.step(
    "refuses another name, another port, the wildcard address and no Host",
    () => {
      for (
        const host of [
          "attacker.example:9000",
          "127.0.0.1:9001",
          "0.0.0.0:9000",
          "attacker.example",
          undefined,
        ]
      ) {
        assert.match(
          gateRefusal(host, undefined, undefined, own) ?? "",
          /Host/,
          String(host),
        );
      }
    },
  );
  await t.step("with --host X, X:port passes too", () => {
    const lan = { hostname: "192.168.1.5", port: 9000 };
    assert.equal(
      gateRefusal("192.168.1.5:9000", undefined, undefined, lan),
      undefined,
    );
    assert.equal(
      gateRefusal("127.0.0.1:9000", undefined, undefined, lan),
      undefined,
    );
    assert.ok(gateRefusal("192.168.1.6:9000", undefined, undefined, lan));
  });
  await t.step(
    "bound to every address, any IP literal passes, a DNS name does not",
    () => {
      const all = { hostname: "0.0.0.0", port: 9000 };
      assert.equal(
        gateRefusal("10.1.2.3:9000", undefined, undefined, all),
        undefined,
      );
      assert.equal(
        gateRefusal("[fe80::1]:9000", undefined, undefined, all),
        undefined,
      );
      assert.ok(gateRefusal("rebind.example:9000", undefined, undefined, all));
      assert.ok(gateRefusal("10.1.2.3:9001", undefined, undefined, all));
    },
  );
  await t.step(
    "refuses an Origin that is not the listener's, and Sec-Fetch-Site cross-site",
    () => {
      const host = "127.0.0.1:9000";
      assert.equal(
        gateRefusal(host, "http://127.0.0.1:9000", "same-origin", own),
        undefined,
      );
      assert.match(
        gateRefusal(host, "http://attacker.example", undefined, own) ?? "",
        /^Origin "http:\/\/attacker\.example"/,
      );
      assert.match(
        gateRefusal(host, "null", undefined, own) ?? "",
        /^Origin "null"/,
      );
      assert.match(
        gateRefusal(host, "http://localhost:9000", undefined, own) ?? "",
        /^Origin/,
      );
      assert.match(
        gateRefusal(host, undefined, "cross-site", own) ?? "",
        /^Sec-Fetch-Site/,
      );
    },
  );
  await t.step(
    "a function URL takes any origin, but still only its own Host",
    () => {
      const url = { ...own, anyOrigin: true };
      assert.equal(
        gateRefusal("127.0.0.1:9000", "http://app.example", "cross-site", url),
        undefined,
      );
      assert.ok(
        gateRefusal(
          "attacker.example:9000",
          "http://app.example",
          undefined,
          url,
        ),
      );
    },
  );
});

const REBOUND = "attacker.example";

Deno.test("every listener of an emulated function refuses a rebound Host", async (t) => {
  await using emulator = await emulate(
    fixture("fixtures/function_url_function.ts"),
  );
  const invokePort = Number(new URL(emulator.url).port);
  const runtimePort = Number(emulator.runtimeApi.split(":")[1]);

  for (
    const [name, method, path] of [
      ["Runtime API /next", "GET", "/2018-06-01/runtime/invocation/next"],
      ["Extensions API register", "POST", "/2020-01-01/extension/register"],
      ["Telemetry API subscribe", "PUT", "/2022-07-01/telemetry"],
      [
        "durable checkpoint",
        "POST",
        "/2025-12-01/durable-executions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afunction/checkpoint",
      ],
    ]
  ) {
    await t.step(`${name}: 403 in the Runtime API's shape`, async () => {
      const response = await rawRequest(runtimePort, method, path, {
        Host: `${REBOUND}:${runtimePort}`,
        "Lambda-Extension-Name": "spy",
      }, "{}");
      assert.equal(response.status, 403);
      const body = JSON.parse(response.body);
      assert.equal(body.errorType, "AccessDeniedException");
      assert.match(body.errorMessage, /Host "attacker\.example:\d+"/);
    });
  }

  await t.step(
    "invoke API: 403 AccessDeniedException, and the function is not invoked",
    async () => {
      const response = await rawRequest(
        invokePort,
        "POST",
        "/2015-03-31/functions/function/invocations",
        {
          Host: `${REBOUND}:${invokePort}`,
        },
        "{}",
      );
      assert.equal(response.status, 403);
      assert.equal(
        response.headers.get("x-amzn-errortype"),
        "AccessDeniedException",
      );
      assert.equal(JSON.parse(response.body).Type, "User");
      assert.ok(
        !emulator.lines.some(({ line }) => line.startsWith("START")),
        "an invocation started",
      );
    },
  );

  await t.step(
    "invoke API: a cross-site page's request (own Host, foreign Origin) is refused",
    async () => {
      for (
        const headers of [
          { Origin: "http://attacker.example", "Content-Type": "text/plain" },
          { "Sec-Fetch-Site": "cross-site" },
        ] as Record<string, string>[]
      ) {
        const response = await rawRequest(
          invokePort,
          "POST",
          "/2015-03-31/functions/function/invocations",
          {
            Host: `127.0.0.1:${invokePort}`,
            ...headers,
          },
          "{}",
        );
        assert.equal(response.status, 403, JSON.stringify(headers));
        assert.match(
          JSON.parse(response.body).Message,
          /a web page may not call the local Lambda/,
        );
      }
    },
  );

  await t.step(
    "function URL: a rebound Host is refused; any Origin with its own Host reaches the function",
    async () => {
      const refused = await rawRequest(
        invokePort,
        "GET",
        "/lambda-url/function/event",
        {
          Host: `${REBOUND}:${invokePort}`,
        },
      );
      assert.equal(refused.status, 403);
      const response = await fetch(
        `${emulator.url}/lambda-url/function/event`,
        {
          headers: { Origin: "http://app.example" },
        },
      );
      assert.equal(response.status, 200);
      assert.equal((await response.json()).rawPath, "/event");
    },
  );

  await t.step(
    "the function's own requests and a local caller still work",
    async () => {
      assert.equal(
        (await fetch(`${emulator.url}/lambda-url/function/event`)).status,
        200,
      );
    },
  );
});

/** A zip whose bootstrap writes `id` to `marker`: what the attack in issue 23 ran as root. */
function markerZip(marker: string): string {
  const zip = createZip([{
    name: "bootstrap",
    data: new TextEncoder().encode(`#!/bin/sh\nid > ${marker}\n`),
    executable: true,
  }]);
  return btoa(Array.from(zip, (byte) => String.fromCharCode(byte)).join(""));
}

function createFunctionBody(name: string, marker: string): string {
  return JSON.stringify({
    FunctionName: name,
    Runtime: "provided.al2023",
    Role: ROLE,
    Handler: "x",
    Architectures: [HOST_ARCH.lambda],
    Code: { ZipFile: markerZip(marker) },
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("the control plane refuses a web page's CreateFunction, and nothing starts", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "gate-test-" });
  await using server = await serveControlPlane({ port: 0, output: () => {} });
  const port = Number(new URL(server.url).port);

  for (
    const [name, headers] of [
      ["a rebound Host and a foreign Origin", {
        Host: `${REBOUND}:${port}`,
        Origin: `http://${REBOUND}`,
      }],
      ["its own Host and a foreign Origin", {
        Host: `127.0.0.1:${port}`,
        Origin: `http://${REBOUND}`,
      }],
      ["its own Host and Sec-Fetch-Site cross-site", {
        Host: `127.0.0.1:${port}`,
        "Sec-Fetch-Site": "cross-site",
      }],
    ] as const
  ) {
    await t.step(
      `${name}: 403, the function does not exist, no marker`,
      async () => {
        const marker = `${dir}/${crypto.randomUUID()}`;
        const response = await rawRequest(
          port,
          "POST",
          "/2015-03-31/functions",
          {
            ...headers,
            "Content-Type": "text/plain",
          },
          createFunctionBody("pwned", marker),
        );
        assert.equal(response.status, 403);
        assert.equal(
          response.headers.get("x-amzn-errortype"),
          "AccessDeniedException",
        );
        assert.equal(JSON.parse(response.body).Type, "User");
        const get = await fetch(`${server.url}/2015-03-31/functions/pwned`);
        assert.equal(get.status, 404, await get.text());
        assert.equal(await exists(marker), false);
      },
    );
  }

  await t.step(
    "a rebound Host on ListFunctions and on a function URL path: 403",
    async () => {
      for (const path of ["/2015-03-31/functions", "/lambda-url/pwned/"]) {
        const response = await rawRequest(port, "GET", path, {
          Host: `${REBOUND}:${port}`,
        });
        assert.equal(response.status, 403, path);
      }
    },
  );

  await t.step(
    "the same request from a local client (its own Host, no Origin) does create and start it",
    async () => {
      const marker = `${dir}/local`;
      const response = await fetch(`${server.url}/2015-03-31/functions`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: createFunctionBody("local", marker),
      });
      assert.equal(response.status, 201, await response.text());
      // The bootstrap runs once the function is made; its marker is the proof the attack zip works.
      while (!await exists(marker)) {
        await new Promise((tick) => setTimeout(tick, 20));
      }
    },
  );
  await Deno.remove(dir, { recursive: true });
});
