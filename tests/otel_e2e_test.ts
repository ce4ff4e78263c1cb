// OpenTelemetry end to end: the real runtime (`run()`) under the emulator with OTEL_DENO=true and nothing else.
// An invocation calling a loopback server gives a FaaS invocation span and a child `fetch` span in the trace of the
// invoke's X-Amzn-Trace-Id, and its log lines with their ids; the emulator's receiver has them before the next
// invocation starts (the tree after REPORT comes before the next START), its page draws the waterfall in Chromium,
// and an exporter that refuses connections fails no invocation.
import { refusedAddress } from "./_raw_server.ts";
import assert from "node:assert/strict";
import { afterReport, emulate, fixture } from "./_emulator.ts";
import { chromium, headless } from "./_chromium.ts";

const entry = fixture("fixtures/otel_function.ts");
const TRACE_HEADER =
  "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
const TRACE_ID = "5759e988bd862e3fe1be46a994272793";
const ARN = "arn:aws:lambda:eu-west-1:123456789012:function:otel-e2e";

interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  service?: string;
}
interface JsonNode {
  span: JsonSpan;
  children: JsonNode[];
}
interface JsonInvocation {
  requestId: string;
  root: JsonNode;
  logs: { body: unknown; traceId: string; spanId: string }[];
}

Deno.test("OpenTelemetry end to end under the emulator", async (t) => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("ok"),
  );
  const url = `http://127.0.0.1:${server.addr.port}/stock`;
  // OTEL_DENO alone: the batch of one, the sampler and the service name come from the emulator, as from the bootstrap.
  // The flush bound is far above a loaded machine's export time: what is asserted is order, not speed.
  await using emulator = await emulate(entry, {
    env: {
      OTEL_DENO: "true",
      AWS_REGION: "eu-west-1",
      RTL_LAMBDA_OTEL_FLUSH_MS: "2000",
    },
    functionName: "otel-e2e",
    memory: 256,
  });
  const first = await emulator.call({ url }, {
    "X-Amzn-Trace-Id": TRACE_HEADER,
  });
  assert.equal(first.status, 200);
  assert.deepEqual(first.body, { ok: true });
  const requestId = first.requestId!;
  // The next invocation starts only once the runtime asks for it: its START line closes the first one's window.
  const second = await emulator.call({});
  assert.equal(second.status, 200);

  await t.step(
    "the tree of the invocation's spans is printed after its REPORT, before the next invocation starts",
    () => {
      const tree = afterReport(emulator, requestId)
        .map((line) => line.replace(/\d+\.\d ms/, "N ms"));
      assert.deepEqual(tree.slice(0, 2), [
        "  └ otel-e2e N ms  (faas.trigger=other)",
        `     └ GET ${url} N ms 200`,
      ]);
    },
  );

  const response = await fetch(`${emulator.otlpUrl}/invocations.json`);
  const invocations = await response.json() as JsonInvocation[];
  const invocation = invocations.find((one) => one.requestId === requestId);
  assert.ok(invocation, `the receiver lists ${requestId}`);
  const root = invocation.root.span;

  await t.step(
    "the invocation span has the FaaS attributes, in the invoke's X-Ray trace under its parent",
    () => {
      assert.equal(root.name, "otel-e2e");
      assert.equal(root.kind, 2, "SERVER");
      assert.equal(root.service, "otel-e2e", "OTEL_SERVICE_NAME by default");
      assert.equal(root.traceId, TRACE_ID);
      assert.equal(root.parentSpanId, "53995c3f42cd8ad8");
      assert.deepEqual(root.attributes, {
        "faas.trigger": "other",
        "faas.invocation_id": requestId,
        "faas.coldstart": true,
        "faas.name": "otel-e2e",
        "faas.version": "$LATEST",
        "faas.max_memory": 256 * 1024 * 1024,
        "cloud.provider": "aws",
        "cloud.platform": "aws_lambda",
        "cloud.region": "eu-west-1",
        "cloud.account.id": "123456789012",
        "cloud.resource_id": ARN,
        "aws.lambda.invoked_arn": ARN,
      });
    },
  );

  await t.step(
    "the handler's fetch is the invocation span's one child, in its trace",
    () => {
      assert.equal(invocation.root.children.length, 1);
      const child = invocation.root.children[0].span;
      assert.equal(child.kind, 3, "CLIENT");
      assert.equal(child.attributes["url.full"], url);
      assert.equal(child.traceId, TRACE_ID);
      assert.equal(child.parentSpanId, root.spanId);
    },
  );

  await t.step("its log lines carry the trace and span ids", () => {
    for (const text of ["calling the backend", "from the logger"]) {
      const log: JsonInvocation["logs"][number] | undefined = invocation.logs
        .find((one) => String(one.body).includes(text));
      assert.ok(log, `the log line "${text}" arrived`);
      assert.equal(log.traceId, TRACE_ID);
      assert.equal(log.spanId, root.spanId);
    }
  });

  await t.step({
    name: "the trace view in headless Chromium draws its waterfall" +
      (chromium === undefined ? " (ignored: chromium is not installed)" : ""),
    ignore: chromium === undefined,
    async fn() {
      const dom = await headless(`${emulator.otlpUrl}/`, ["--dump-dom"]);
      const at = dom.indexOf(`data-request-id="${requestId}"`);
      assert.ok(at >= 0, "the page lists the invocation");
      const section = dom.slice(at, dom.indexOf("</section>", at));
      assert.match(section, new RegExp(`trace ${TRACE_ID}`));
      const rows = [
        ...section.matchAll(
          /<div class="row" data-span-id="([0-9a-f]{16})" data-depth="(\d)">.*?<div class="bar (\w+)"/g,
        ),
      ].map((row) => [row[1], row[2], row[3]]);
      assert.deepEqual(rows, [
        [root.spanId, "0", "server"],
        [invocation.root.children[0].span.spanId, "1", "client"],
      ]);
    },
  });
});

Deno.test("an exporter that refuses connections fails no invocation: each is answered and the next one starts", async () => {
  await using emulator = await emulate(entry, {
    env: {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${refusedAddress()}`,
    },
  });
  assert.equal(emulator.otlpUrl, undefined, "its own endpoint: no receiver");
  const answers = [];
  for (let n = 0; n < 3; n++) answers.push(await emulator.call({}));
  assert.deepEqual(
    answers.map((one) => [one.status, one.functionError, one.body]),
    Array(3).fill([200, null, { ok: true }]),
  );
  const reports = emulator.lines.filter((one) =>
    one.line.startsWith("REPORT RequestId: ")
  );
  assert.equal(reports.length, 3);
});
