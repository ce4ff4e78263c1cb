// The span tree printed after a REPORT line: spans that land after the REPORT are waited for up to a bound (the
// timer injected here), printed the moment the invocation span arrives, and never once the bound has passed.
import assert from "node:assert/strict";
import { TraceStore } from "../local/src/otlp/store.ts";
import { TreePrinter } from "../local/src/otlp/tree_printer.ts";
import { treeLines } from "../local/src/otlp/tree.ts";
import type { OtlpSpan } from "../local/src/otlp/model.ts";

const TRACE = "0af7651916cd43dd8448eb211c80319c";

function span(
  spanId: string,
  parentSpanId: string,
  name: string,
  startMs: number,
  endMs: number,
  extra: Partial<OtlpSpan> = {},
): OtlpSpan {
  const base = 1_800_000_000_000n * 1_000_000n;
  return {
    traceId: TRACE,
    spanId,
    parentSpanId,
    name,
    kind: 1,
    startNs: base + BigInt(startMs * 1_000_000),
    endNs: base + BigInt(endMs * 1_000_000),
    attributes: {},
    status: { code: 0, message: "" },
    ...extra,
  };
}

const invocation = span("00000000000000a1", "", "invoke echo", 0, 12, {
  kind: 2,
  attributes: { "faas.invocation_id": "req-1", "faas.trigger": "http" },
});
const children = [
  span("00000000000000b2", "00000000000000a1", "GET", 5, 8, {
    kind: 3,
    attributes: {
      "url.full": "http://127.0.0.1:1234/b",
      "http.response.status_code": 500,
    },
    status: { code: 2, message: "boom" },
  }),
  span("00000000000000b1", "00000000000000a1", "GET", 1, 4, {
    kind: 3,
    attributes: {
      "url.full": "http://127.0.0.1:1234/a",
      "http.response.status_code": 200,
    },
  }),
  span("00000000000000c1", "00000000000000b1", "dns", 1, 2),
];

/** A timer the test fires by hand. */
function manualTimer() {
  const pending: { ms: number; fire: () => void; cancelled: boolean }[] = [];
  return {
    pending,
    setTimer(ms: number, fire: () => void) {
      const entry = { ms, fire, cancelled: false };
      pending.push(entry);
      return () => entry.cancelled = true;
    },
    fireAll() {
      for (const entry of pending.splice(0)) if (!entry.cancelled) entry.fire();
    },
  };
}

/** A printer on a new store, its lines kept, its timer fired by hand. */
function printing(waitMs?: number) {
  const store = new TraceStore();
  const printed: string[] = [];
  const timer = manualTimer();
  const printer = new TreePrinter({
    store,
    print: (line) => printed.push(line),
    waitMs,
    setTimer: timer.setTimer,
  });
  return { store, printed, timer, printer };
}

Deno.test("the tree: children by start time, nested by parent, with URL, duration, status and error", () => {
  const store = new TraceStore();
  store.addSpans([...children, invocation]);
  assert.deepEqual(treeLines(store.invocation("req-1")!.root), [
    "  └ invoke echo 12.0 ms  (faas.trigger=http)",
    "     ├ GET http://127.0.0.1:1234/a 3.0 ms 200",
    "     │  └ dns 1.0 ms",
    "     └ GET http://127.0.0.1:1234/b 3.0 ms 500 error: boom",
  ]);
});

Deno.test("spans already there at the REPORT print at once", () => {
  const { store, printed, timer, printer } = printing();
  store.addSpans([...children, invocation]);
  printer.reported("req-1");
  assert.equal(printed.length, 4);
  assert.equal(timer.pending.length, 0);
  printer.close();
});

Deno.test("spans landing after the REPORT print when the invocation span arrives, within the bound", () => {
  const { store, printed, timer, printer } = printing(250);
  printer.reported("req-1");
  assert.deepEqual(printed, []);
  assert.equal(timer.pending[0].ms, 250);
  store.addSpans(children);
  assert.deepEqual(
    printed,
    [],
    "children alone: the invocation span is not there yet",
  );
  store.addSpans([invocation]);
  assert.equal(printed[0], "  └ invoke echo 12.0 ms  (faas.trigger=http)");
  assert.equal(printed.length, 4);
  assert.ok(timer.pending[0].cancelled);
  store.addSpans([invocation]);
  assert.equal(printed.length, 4, "printed once");
  printer.close();
});

Deno.test("past the bound, the invocation's tree is not printed, even if its spans come later", () => {
  const { store, printed, timer, printer } = printing();
  printer.reported("req-1");
  timer.fireAll();
  store.addSpans([...children, invocation]);
  assert.deepEqual(printed, []);
  printer.close();
});

Deno.test("the store keeps a bounded number of traces, the oldest dropped first", () => {
  const store = new TraceStore({ traces: 2 });
  for (const n of [1, 2, 3]) {
    store.addSpans([{
      ...invocation,
      traceId: String(n).repeat(32),
      attributes: { "faas.invocation_id": `req-${n}` },
    }]);
  }
  assert.equal(store.invocation("req-1"), undefined);
  assert.deepEqual(store.recent().map((one) => one.requestId), [
    "req-3",
    "req-2",
  ]);
});
