// The emulator's Telemetry API carries Lambda's platform events as Lambda sends them, so a collector built for
// Lambda's (the ADOT collector's telemetryapi receiver) works against it: platform.start, platform.runtimeDone and
// platform.report with the invocation's X-Ray trace context, and runtimeDone's responseLatency, responseDuration
// and runtimeOverhead spans. A real extension process subscribes; the events are read from what it received.
import assert from "node:assert/strict";
import { emulate, fixture } from "./_emulator.ts";
import { eventually } from "./_frozen.ts";
import { PlatformEvents } from "../local/src/_platform_events.ts";

const deno = Deno.execPath();
const TRACE =
  "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

interface Event {
  time: string;
  type: string;
  // deno-lint-ignore no-explicit-any
  record: any;
}

Deno.test("a Telemetry API subscriber gets each invocation's platform events with tracing and spans", async () => {
  const dir = await Deno.makeTempDir({ prefix: "otel_telemetry_" });
  try {
    await Deno.mkdir(`${dir}/extensions`);
    await Deno.writeTextFile(
      `${dir}/extensions/telemetry_probe`,
      `#!/bin/sh\nexec "${deno}" run --no-prompt --allow-env --allow-net=127.0.0.1 --allow-write=${dir} "${
        fixture("fixtures/telemetry_extension.ts")
      }"\n`,
      { mode: 0o755 },
    );
    const ids: string[] = [];
    {
      await using emulator = await emulate(
        fixture("fixtures/env_function.ts"),
        {
          extensionsDir: `${dir}/extensions`,
          env: { TELEMETRY_DIR: dir },
        },
      );
      await eventually("the extension subscribed", async () => {
        try {
          await Deno.stat(`${dir}/subscribed`);
          return true;
        } catch {
          return false;
        }
      });
      for (const _ of [1, 2]) {
        const answer = await emulator.call([], { "X-Amzn-Trace-Id": TRACE });
        assert.equal(answer.status, 200);
        ids.push(answer.requestId!);
      }
    }
    const events: Event[] = (await Deno.readTextFile(`${dir}/events.ndjson`))
      .trim().split("\n").map((line) => JSON.parse(line));
    const of = (id: string) =>
      events.filter((event) => event.record.requestId === id);
    const first = of(ids[0]);
    assert.deepEqual(first.map((event) => event.type), [
      "platform.start",
      "platform.runtimeDone",
      "platform.report",
    ]);
    const [start, done, report] = first.map((event) => event.record);
    assert.equal(start.version, "$LATEST");
    assert.match(start.tracing.spanId, /^[0-9a-f]{16}$/);
    assert.deepEqual(start.tracing, {
      spanId: start.tracing.spanId,
      type: "X-Amzn-Trace-Id",
      value: TRACE,
    });
    assert.deepEqual(done.tracing, start.tracing);
    assert.deepEqual(report.tracing, start.tracing);
    assert.equal(done.status, "success");
    assert.deepEqual(done.spans.map((span: { name: string }) => span.name), [
      "responseLatency",
      "responseDuration",
      "runtimeOverhead",
    ]);
    for (const span of done.spans) {
      assert.ok(span.durationMs >= 0);
      assert.ok(Date.parse(span.start) >= Date.parse(first[0].time));
    }
    assert.equal(report.status, "success");
    assert.equal(report.metrics.memorySizeMB, 128);
    assert.ok(report.metrics.billedDurationMs >= 1);
    assert.ok(
      report.metrics.initDurationMs > 0,
      "the first invocation reports its init",
    );
    assert.equal(typeof report.metrics.maxMemoryUsedMB, "number");
    assert.equal(of(ids[1])[0].record.tracing.value, TRACE);
    assert.notEqual(of(ids[1])[0].record.tracing.spanId, start.tracing.spanId);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the spans are cut from the invocation's start, its answer and the next /next; init events from the first /next", () => {
  const seen: [string, Record<string, unknown>, Date][] = [];
  let now = 1_800_000_000_000;
  const events = new PlatformEvents(
    (type, record, time) =>
      seen.push([type, record as Record<string, unknown>, time]),
    "7",
    () => now,
  );
  events.initDone(40);
  events.started("r1", TRACE);
  now += 12;
  events.responding("r1", true);
  events.line(
    "REPORT RequestId: r1\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\tInit Duration: 40.00 ms",
  );
  assert.deepEqual(seen.map(([type]) => type), [
    "platform.initStart",
    "platform.initRuntimeDone",
    "platform.initReport",
    "platform.start",
  ], "the REPORT is held until the runtime's next /next");
  assert.equal(seen[0][2].getTime(), 1_800_000_000_000 - 40);
  assert.deepEqual(seen[2][1], {
    initializationType: "on-demand",
    phase: "init",
    status: "success",
    metrics: { durationMs: 40 },
  });
  now += 3;
  events.polled();
  const [done, report] = seen.slice(4).map(([, record]) => record);
  assert.deepEqual(done.spans, [
    {
      name: "responseLatency",
      start: new Date(1_800_000_000_000).toISOString(),
      durationMs: 12,
    },
    {
      name: "responseDuration",
      start: new Date(1_800_000_000_012).toISOString(),
      durationMs: 0,
    },
    {
      name: "runtimeOverhead",
      start: new Date(1_800_000_000_012).toISOString(),
      durationMs: 3,
    },
  ]);
  assert.deepEqual(report.metrics, {
    durationMs: 12,
    billedDurationMs: 12,
    memorySizeMB: 128,
    maxMemoryUsedMB: 30,
    initDurationMs: 40,
  });
});

Deno.test("a timed-out invocation's runtimeDone and report go out at its REPORT, status timeout", () => {
  const seen: [string, Record<string, unknown>][] = [];
  const events = new PlatformEvents(
    (type, record) => seen.push([type, record as Record<string, unknown>]),
    "$LATEST",
  );
  events.started("r2", "");
  events.line(
    "REPORT RequestId: r2\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\tStatus: timeout",
  );
  assert.deepEqual(seen.map(([type]) => type), [
    "platform.start",
    "platform.runtimeDone",
    "platform.report",
  ]);
  assert.equal(seen[1][1].status, "timeout");
  assert.equal(seen[0][1].tracing, undefined, "no trace header, no tracing");
});
