// The OpenTelemetry layer on its own: which parent an invocation's span gets, its kind and trigger, errors, the active context the handler sees, and the wait before /next.
import assert from "node:assert/strict";
import {
  createContext,
  type OtelSettings,
  readEnvironment,
} from "../src/runtime.ts";
import { otelLayer } from "../src/otel/layer.ts";
import { flushGate } from "../src/otel/_flush.ts";
import {
  type DenoSpan,
  type DenoTelemetry,
  SPAN_KEY,
  type SpanContext,
} from "../src/otel/_deno.ts";
import { environment, fakeApi, invocation } from "./_fake_runtime_api.ts";

const XRAY =
  "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

interface Started {
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  parent: SpanContext | undefined;
  span: DenoSpan & { ended: boolean; status?: number; exception?: string };
}

/** Deno's context manager, and a tracer that records what it starts. */
function recordingTelemetry(): DenoTelemetry & { started: Started[] } {
  const started: Started[] = [];
  let ids = 0;
  return {
    started,
    contextManager: Deno.telemetry.contextManager,
    tracer: {
      startSpan(name, options, context) {
        const parent = (context.getValue(SPAN_KEY) as
          | { spanContext(): SpanContext }
          | undefined)?.spanContext();
        const spanId = String(++ids).padStart(16, "0");
        const span: Started["span"] = {
          ended: false,
          spanContext: () => ({ traceId: "t", spanId, traceFlags: 1 }),
          setAttribute: () => span,
          setStatus: (status) => (span.status = status.code, span),
          recordException: (e) => void (span.exception = e.message),
          end: () => void (span.ended = true),
          isRecording: () => true,
        };
        started.push({ name, ...options, parent, span });
        return span;
      },
    },
  };
}

const settings = (propagators?: string[]): OtelSettings => ({
  endpoint: "http://localhost:4318",
  propagators,
  flushMs: 5,
});

function contextFor(body: unknown, headers: Record<string, string> = {}) {
  return createContext(
    invocation(JSON.stringify(body), "req-1", headers),
    environment,
  );
}

async function invokeOnce(
  body: unknown,
  headers: Record<string, string>,
  propagators?: string[],
  handler: () => unknown = () => "ok",
) {
  const telemetry = recordingTelemetry();
  const layer = otelLayer(environment, settings(propagators), { telemetry });
  const outcome = await layer.scope!(
    contextFor(body, headers),
    async () => await handler(),
  ).then((value) => ({ value }), (error) => ({ error }));
  return { ...telemetry.started[0], outcome, telemetry };
}

const apiGatewayV2 = (traceparent?: string) => ({
  version: "2.0",
  routeKey: "$default",
  headers: traceparent ? { TraceParent: traceparent } : {},
  requestContext: { http: { method: "GET" } },
});

Deno.test("the OpenTelemetry layer", async (t) => {
  await t.step("a sampled X-Ray header is the parent", async () => {
    const { parent } = await invokeOnce({}, {
      "lambda-runtime-trace-id": XRAY,
    });
    assert.deepEqual(parent, {
      traceId: "5759e988bd862e3fe1be46a994272793",
      spanId: "53995c3f42cd8ad8",
      traceFlags: 1,
      isRemote: true,
    });
  });

  await t.step(
    "an unsampled X-Ray header (active tracing off) starts a new trace",
    async () => {
      const { parent } = await invokeOnce({}, {
        "lambda-runtime-trace-id": XRAY.replace("Sampled=1", "Sampled=0"),
      });
      assert.equal(parent, undefined);
    },
  );

  await t.step(
    "by default an HTTP event's traceparent is not followed: the X-Ray header is",
    async () => {
      const { parent, name, kind, attributes } = await invokeOnce(
        apiGatewayV2(TRACEPARENT),
        { "lambda-runtime-trace-id": XRAY },
      );
      assert.equal(parent?.traceId, "5759e988bd862e3fe1be46a994272793");
      assert.equal(name, "test-fn");
      assert.equal(kind, 1, "SERVER");
      assert.equal(attributes["faas.trigger"], "http");
    },
  );

  await t.step(
    "with OTEL_PROPAGATORS=tracecontext,xray the traceparent wins, X-Ray is the fallback",
    async () => {
      const withHeader = await invokeOnce(
        apiGatewayV2(TRACEPARENT),
        { "lambda-runtime-trace-id": XRAY },
        ["tracecontext", "xray"],
      );
      assert.deepEqual(withHeader.parent, {
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: 1,
        isRemote: true,
      });
      const without = await invokeOnce(
        apiGatewayV2(),
        { "lambda-runtime-trace-id": XRAY },
        ["tracecontext", "xray"],
      );
      assert.equal(without.parent?.spanId, "53995c3f42cd8ad8");
      const none = await invokeOnce(
        apiGatewayV2(TRACEPARENT),
        { "lambda-runtime-trace-id": XRAY },
        ["none"],
      );
      assert.equal(none.parent, undefined);
    },
  );

  await t.step("queue events are pubsub and CONSUMER spans", async () => {
    const { kind, attributes } = await invokeOnce({
      Records: [{ eventSource: "aws:sqs", body: "x" }],
    }, {});
    assert.equal(kind, 4);
    assert.equal(attributes["faas.trigger"], "pubsub");
  });

  await t.step("stores are datasource, schedules timer", async () => {
    const s3 = await invokeOnce({ Records: [{ eventSource: "aws:s3" }] }, {});
    assert.equal(s3.attributes["faas.trigger"], "datasource");
    const timer = await invokeOnce({
      source: "aws.events",
      "detail-type": "Scheduled Event",
    }, {});
    assert.equal(timer.attributes["faas.trigger"], "timer");
  });

  await t.step(
    "the handler runs with the span as the active context",
    async () => {
      let active: unknown;
      const { span } = await invokeOnce({}, {}, undefined, async () => {
        await Promise.resolve();
        active = Deno.telemetry.contextManager.active().getValue(SPAN_KEY);
      });
      assert.equal(active, span);
      assert.equal(
        Deno.telemetry.contextManager.active().getValue(SPAN_KEY),
        undefined,
        "and only while it runs",
      );
    },
  );

  await t.step(
    "a handler that throws ends its span with an error, and the error goes on",
    async () => {
      const { span, outcome } = await invokeOnce({}, {}, undefined, () => {
        throw new TypeError("bad input");
      });
      assert.ok("error" in outcome && outcome.error instanceof TypeError);
      assert.equal(span.ended, true);
      assert.equal(span.status, 2);
      assert.equal(span.exception, "bad input");
    },
  );

  await t.step(
    "a handler past its deadline that never settles still ends its span, with the deadline's error",
    () => {
      const telemetry = recordingTelemetry();
      const layer = otelLayer(environment, settings(), { telemetry });
      const deadline = new AbortController();
      const base = contextFor({});
      const context = new Proxy(base, {
        get: (target, key) =>
          key === "signal" ? deadline.signal : Reflect.get(target, key),
      });
      // Never settles, as a handler stuck past its deadline.
      layer.scope!(context, () => new Promise(() => {}));
      const span = telemetry.started[0].span;
      assert.equal(span.ended, false);
      deadline.abort(new Error("Task timed out"));
      assert.equal(span.ended, true);
      assert.equal(span.status, 2);
      assert.equal(span.exception, "Task timed out");
    },
  );

  await t.step("only the first invocation is a cold start", async () => {
    const telemetry = recordingTelemetry();
    const layer = otelLayer(environment, settings(), { telemetry });
    for (let i = 0; i < 2; i++) {
      await layer.scope!(contextFor({}), () => Promise.resolve());
    }
    assert.deepEqual(
      telemetry.started.map((s) => s.attributes["faas.coldstart"]),
      [true, false],
    );
  });

  await t.step(
    "/next is asked only once the gate settles, and ended spans are told to it",
    async () => {
      const api = fakeApi([invocation("{}")]);
      let asked = 0;
      const counted = { ...api, next: () => (asked++, api.next()) };
      let ended = 0;
      const open = Promise.withResolvers<void>();
      const layer = otelLayer(environment, settings(), {
        telemetry: recordingTelemetry(),
        gate: { ended: () => void ended++, settle: () => open.promise },
      });
      await layer.scope!(contextFor({}), () => Promise.resolve());
      assert.equal(ended, 1);
      const next = layer.api!(counted, environment, undefined).next();
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.equal(asked, 0, "held while the gate is closed");
      open.resolve();
      await next;
      assert.equal(asked, 1);
    },
  );
});

Deno.test("the flush gate waits out the bound from the last span's end, and no more", async () => {
  let now = 100;
  const gate = flushGate(5, () => now);
  await gate.settle(); // Nothing ended: at once.
  gate.ended();
  now = 106;
  await gate.settle(); // Past the bound: at once.
  gate.ended();
  const stop = new AbortController();
  const settled = gate.settle(stop.signal);
  let done = false;
  settled.then(() => done = true);
  await Promise.resolve();
  assert.equal(done, false, "within the bound it waits");
  stop.abort();
  await settled;
});

Deno.test("OpenTelemetry's settings are read only when OTEL_DENO=true", async (t) => {
  const api = { AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" };
  await t.step("off: no otel field at all", () => {
    const env = readEnvironment({ ...api, OTEL_PROPAGATORS: "tracecontext" });
    assert.equal("otel" in env, false);
  });
  await t.step("on: the endpoint, propagators and bound, with defaults", () => {
    assert.deepEqual(readEnvironment({ ...api, OTEL_DENO: "true" }).otel, {
      endpoint: "http://localhost:4318",
      propagators: undefined,
      flushMs: 5,
    });
    assert.deepEqual(
      readEnvironment({
        ...api,
        OTEL_DENO: "TRUE",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_PROPAGATORS: " TraceContext , xray ",
        RTL_LAMBDA_OTEL_FLUSH_MS: "0",
      }).otel,
      {
        endpoint: "http://collector:4318",
        propagators: ["tracecontext", "xray"],
        flushMs: 0,
      },
    );
  });
  await t.step("a malformed bound is an environment error", () => {
    assert.throws(
      () =>
        readEnvironment({
          ...api,
          OTEL_DENO: "true",
          RTL_LAMBDA_OTEL_FLUSH_MS: "soon",
        }),
      { name: "EnvironmentError", message: /RTL_LAMBDA_OTEL_FLUSH_MS/ },
    );
  });
});
