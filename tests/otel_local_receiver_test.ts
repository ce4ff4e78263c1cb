// The emulator's OTLP receiver as OpenTelemetry's OTLP/HTTP specification defines it: Deno's own exports (captured
// from Deno 2.9.6, tests/fixtures/otlp/) decode; the gate refuses a foreign Host and a cross-site page; a body over
// the limit (counted on the bytes read) is refused 413; malformed input is answered 400 with what was wrong.
import assert from "node:assert/strict";
import { emulate, fixture } from "./_emulator.ts";
import { rawRequest } from "./_raw_http.ts";
import {
  decodeLogsProtobuf,
  decodeTracesProtobuf,
} from "../local/src/otlp/decode_protobuf.ts";
import {
  decodeLogsJson,
  decodeTracesJson,
} from "../local/src/otlp/decode_json.ts";
import type { OtlpLog, OtlpSpan } from "../local/src/otlp/model.ts";

const captured = (name: string) => fixture(`fixtures/otlp/${name}`);

/** What Deno exported for a script that served itself one GET and logged a line: the client span and the server span under it. */
function assertDenoExport(spans: OtlpSpan[], logs: OtlpLog[]): void {
  assert.equal(spans.length, 2);
  const client = spans.find((span) => span.kind === 3)!;
  const server = spans.find((span) => span.kind === 2)!;
  assert.equal(client.parentSpanId, "");
  assert.equal(server.parentSpanId, client.spanId);
  assert.equal(server.traceId, client.traceId);
  assert.match(client.traceId, /^[0-9a-f]{32}$/);
  assert.match(client.spanId, /^[0-9a-f]{16}$/);
  assert.equal(client.name, "GET");
  assert.match(
    String(client.attributes["url.full"]),
    /^http:\/\/127\.0\.0\.1:\d+\/$/,
  );
  assert.equal(client.attributes["http.response.status_code"], "200");
  assert.ok(client.endNs > client.startNs);
  assert.ok(server.startNs >= client.startNs && server.endNs <= client.endNs);
  assert.ok(client.startNs > 1_700_000_000_000_000_000n);
  assert.equal(client.service, "unknown_service:deno");
  assert.equal(logs.length, 1);
  assert.equal(logs[0].body, "hello from x { a: 1 }\n");
  assert.equal(logs[0].severityText, "INFO");
  assert.equal(logs[0].severityNumber, 9);
  assert.equal(logs[0].traceId, client.traceId);
  assert.equal(logs[0].spanId, client.spanId);
  assert.equal(logs[0].attributes["log.iostream"], "stdout");
}

Deno.test("Deno's own http/protobuf export decodes into its spans and log record", async () => {
  assertDenoExport(
    decodeTracesProtobuf(await Deno.readFile(captured("deno_traces.binpb"))),
    decodeLogsProtobuf(await Deno.readFile(captured("deno_logs.binpb"))),
  );
});

Deno.test("Deno's own http/json export decodes into the same shape", async () => {
  const json = async (name: string) =>
    JSON.parse(await Deno.readTextFile(captured(name)));
  assertDenoExport(
    decodeTracesJson(await json("deno_traces.json")),
    decodeLogsJson(await json("deno_logs.json")),
  );
});

Deno.test("the OTLP receiver behind the gate", async (t) => {
  await using emulator = await emulate(fixture("fixtures/env_function.ts"), {
    env: { OTEL_DENO: "true" },
  });
  const url = emulator.otlpUrl!;
  const port = Number(new URL(url).port);
  const traces = `${url}/v1/traces`;
  const post = (body: BodyInit, type: string, headers: HeadersInit = {}) =>
    fetch(traces, {
      method: "POST",
      headers: { "content-type": type, ...headers },
      body,
    });

  await t.step(
    "takes Deno's own protobuf export: 200, an empty ExportTraceServiceResponse",
    async () => {
      const response = await post(
        await Deno.readFile(captured("deno_traces.binpb")),
        "application/x-protobuf",
      );
      assert.equal(response.status, 200);
      assert.equal(
        response.headers.get("content-type"),
        "application/x-protobuf",
      );
      assert.equal((await response.bytes()).byteLength, 0);
    },
  );

  await t.step("takes Deno's own JSON logs export: 200, {}", async () => {
    const response = await fetch(`${url}/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: await Deno.readFile(captured("deno_logs.json")),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {});
  });

  await t.step(
    "refuses a foreign Host (a page rebinding its name to loopback): 403",
    async () => {
      const answer = await rawRequest(port, "POST", "/v1/traces", {
        Host: `attacker.example:${port}`,
        "Content-Type": "application/json",
      }, "{}");
      assert.equal(answer.status, 403);
      assert.match(
        JSON.parse(answer.body).message,
        /Host "attacker\.example:\d+" is not this listener's address/,
      );
    },
  );

  await t.step(
    "refuses a cross-site Origin and Sec-Fetch-Site: cross-site: 403",
    async () => {
      for (
        const headers of [
          { Origin: "http://attacker.example" } as Record<string, string>,
          { "Sec-Fetch-Site": "cross-site" },
        ]
      ) {
        const answer = await rawRequest(port, "POST", "/v1/traces", {
          Host: `127.0.0.1:${port}`,
          "Content-Type": "application/json",
          ...headers,
        }, "{}");
        assert.equal(answer.status, 403, JSON.stringify(headers));
        assert.equal(JSON.parse(answer.body).code, 7);
      }
      const page = await rawRequest(port, "GET", "/", {
        Host: `127.0.0.1:${port}`,
        Origin: "http://attacker.example",
      });
      assert.equal(page.status, 403);
    },
  );

  await t.step(
    "refuses a body over 4 MiB declared by Content-Length: 413",
    async () => {
      const response = await post(
        new Uint8Array(4 * 1024 * 1024 + 1),
        "application/x-protobuf",
      );
      assert.equal(response.status, 413);
      await response.body?.cancel();
    },
  );

  await t.step(
    "refuses a streamed body once the bytes read pass 4 MiB: 413",
    async () => {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          // 64 KiB chunks past the limit; a server that stops reading lets the stream stall, never hang the test.
          if (sent > 5 * 1024 * 1024) return controller.close();
          sent += 65536;
          controller.enqueue(new Uint8Array(65536));
        },
      });
      const response = await post(body, "application/x-protobuf");
      assert.equal(response.status, 413);
      assert.match(await response.text(), /over 4194304 bytes/);
    },
  );

  await t.step(
    "takes a gzip body, and counts the limit again once it is undone: 413 for a small bomb",
    async () => {
      const gzip = (bytes: Uint8Array<ArrayBuffer>) =>
        new Response(
          new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")),
        ).bytes();
      const taken = await post(
        await gzip(await Deno.readFile(captured("deno_traces.binpb"))),
        "application/x-protobuf",
        { "content-encoding": "gzip" },
      );
      assert.equal(taken.status, 200);
      await taken.body?.cancel();
      const bomb = await gzip(new Uint8Array(8 * 1024 * 1024));
      assert.ok(bomb.byteLength < 64 * 1024);
      const refused = await post(bomb, "application/x-protobuf", {
        "content-encoding": "gzip",
      });
      assert.equal(refused.status, 413);
      await refused.body?.cancel();
      const broken = await post(new Uint8Array([1, 2, 3]), "application/json", {
        "content-encoding": "gzip",
      });
      assert.equal(broken.status, 400);
      assert.match((await broken.json()).message, /the gzip body is broken/);
    },
  );

  await t.step(
    "answers malformed protobuf 400 with what was wrong, as a google.rpc.Status",
    async () => {
      const response = await post(
        new Uint8Array([0x0a, 0xff, 0x01, 0x00]),
        "application/x-protobuf",
      );
      assert.equal(response.status, 400);
      const text = new TextDecoder().decode(await response.bytes());
      assert.match(text, /The export is malformed: truncated protobuf/);
    },
  );

  await t.step(
    "answers a wire type OTLP does not use, bad ids and deep nesting 400",
    async () => {
      for (
        const [bytes, why] of [
          [[0x0b], /wire type 3/],
          [
            [0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x0a, 0x00],
            /a span has no trace_id/,
          ],
          [
            [0x0a, 0x08, 0x12, 0x06, 0x12, 0x04, 0x0a, 0x02, 0x01, 0x02],
            /trace_id must be 16 bytes/,
          ],
        ] as const
      ) {
        const response = await post(
          new Uint8Array(bytes),
          "application/x-protobuf",
        );
        assert.equal(response.status, 400);
        assert.match(new TextDecoder().decode(await response.bytes()), why);
      }
      let value: unknown = { stringValue: "deep" };
      for (let depth = 0; depth < 40; depth++) {
        value = { arrayValue: { values: [value] } };
      }
      const deep = await post(
        JSON.stringify({
          resourceSpans: [{ resource: { attributes: [{ key: "k", value }] } }],
        }),
        "application/json",
      );
      assert.equal(deep.status, 400);
      assert.match((await deep.json()).message, /nests deeper than 16 levels/);
    },
  );

  await t.step("answers malformed JSON 400 with what was wrong", async () => {
    for (
      const [body, why] of [
        ["{not json", /the body is not JSON/],
        ['{"resourceSpans":{}}', /resourceSpans must be an array/],
        [
          '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz","spanId":"0011223344556677"}]}]}]}',
          /traceId must be 32 hex digits/,
        ],
        [
          '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00112233445566778899aabbccddeeff","spanId":"0011223344556677","startTimeUnixNano":"soon"}]}]}]}',
          /startTimeUnixNano must be unix nanoseconds/,
        ],
      ] as const
    ) {
      const response = await post(body, "application/json");
      assert.equal(response.status, 400, body);
      const answer = await response.json();
      assert.equal(answer.code, 3);
      assert.match(answer.message, why);
    }
  });

  await t.step(
    "answers another content type 415 and another path 404",
    async () => {
      const text = await post("hello", "text/plain");
      assert.equal(text.status, 415);
      await text.body?.cancel();
      const other = await fetch(`${url}/v1/profiles`, {
        method: "POST",
        body: "",
      });
      assert.equal(other.status, 404);
      await other.body?.cancel();
    },
  );
});
