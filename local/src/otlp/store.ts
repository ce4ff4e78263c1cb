/**
 * The spans and logs the receiver took, grouped by invocation: the span
 * carrying `faas.invocation_id` is an invocation's root, its descendants
 * (by `parent_span_id`, in its trace) are its children. Bounded: the
 * oldest traces go first.
 *
 * @module
 */

import { INVOCATION_ID, type OtlpLog, type OtlpSpan } from "./model.ts";

/** A span with its children, ordered by start. */
export interface SpanNode {
  readonly span: OtlpSpan;
  readonly children: SpanNode[];
}

/** One invocation's spans as a tree, and the logs written in its trace. */
export interface InvocationTrace {
  /** The request id (`faas.invocation_id`). */
  readonly requestId: string;
  readonly root: SpanNode;
  readonly logs: OtlpLog[];
}

/** How much the store keeps. */
export interface TraceStoreLimits {
  /** Traces kept; the oldest is dropped past it. 100 when absent. */
  traces?: number;
  /** Spans kept in one trace; more are dropped. 1000 when absent. */
  spansPerTrace?: number;
}

interface _Trace {
  spans: Map<string, OtlpSpan>;
  logs: OtlpLog[];
}

/** The received spans and logs, by trace, newest last. */
export class TraceStore {
  readonly #traces = new Map<string, _Trace>();
  /** Request id → [trace id, span id] of its invocation span, newest last. */
  readonly #invocations = new Map<string, [string, string]>();
  readonly #listeners = new Set<() => void>();
  readonly #traceLimit: number;
  readonly #spanLimit: number;

  /** Creates an empty store. */
  constructor(limits: TraceStoreLimits = {}) {
    this.#traceLimit = limits.traces ?? 100;
    this.#spanLimit = limits.spansPerTrace ?? 1000;
  }

  /** Keeps spans, then tells the listeners. */
  addSpans(spans: readonly OtlpSpan[]): void {
    for (const span of spans) {
      const trace = this.#trace(span.traceId);
      if (trace.spans.size >= this.#spanLimit) continue;
      trace.spans.set(span.spanId, span);
      const id = span.attributes[INVOCATION_ID];
      if (typeof id === "string" && id !== "") {
        this.#invocations.delete(id);
        this.#invocations.set(id, [span.traceId, span.spanId]);
      }
    }
    for (const listener of this.#listeners) listener();
  }

  /** Keeps log records that name a trace (others have no invocation to show under). */
  addLogs(logs: readonly OtlpLog[]): void {
    for (const log of logs) {
      if (log.traceId === "") continue;
      const trace = this.#trace(log.traceId);
      if (trace.logs.length < this.#spanLimit) trace.logs.push(log);
    }
  }

  /** Calls `listener` after each batch of spans; returns what removes it. */
  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The invocation's spans, once its invocation span has arrived. */
  invocation(requestId: string): InvocationTrace | undefined {
    const ids = this.#invocations.get(requestId);
    if (ids === undefined) return undefined;
    const trace = this.#traces.get(ids[0]);
    const root = trace?.spans.get(ids[1]);
    if (trace === undefined || root === undefined) return undefined;
    return {
      requestId,
      root: _tree(root, trace.spans),
      logs: trace.logs.filter((log) => _within(log, root, trace.spans)),
    };
  }

  /** The invocations still kept, newest first, at most `count`. */
  recent(count = 20): InvocationTrace[] {
    const found: InvocationTrace[] = [];
    for (const id of [...this.#invocations.keys()].reverse()) {
      const one = this.invocation(id);
      if (one !== undefined) found.push(one);
      if (found.length >= count) break;
    }
    return found;
  }

  #trace(traceId: string): _Trace {
    let trace = this.#traces.get(traceId);
    if (trace !== undefined) return trace;
    trace = { spans: new Map(), logs: [] };
    this.#traces.set(traceId, trace);
    if (this.#traces.size > this.#traceLimit) this.#drop();
    return trace;
  }

  #drop(): void {
    const oldest = this.#traces.keys().next().value!;
    this.#traces.delete(oldest);
    for (const [id, [traceId]] of this.#invocations) {
      if (traceId === oldest) this.#invocations.delete(id);
    }
  }
}

/** `root` and its descendants among `spans`, children by start time. */
function _tree(root: OtlpSpan, spans: Map<string, OtlpSpan>): SpanNode {
  const byParent = new Map<string, OtlpSpan[]>();
  for (const span of spans.values()) {
    const siblings = byParent.get(span.parentSpanId) ?? [];
    siblings.push(span);
    byParent.set(span.parentSpanId, siblings);
  }
  const seen = new Set<string>();
  const build = (span: OtlpSpan): SpanNode => {
    seen.add(span.spanId);
    const children = (byParent.get(span.spanId) ?? [])
      .filter((child) => !seen.has(child.spanId))
      .sort((
        a,
        b,
      ) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
    return { span, children: children.map(build) };
  };
  return build(root);
}

/** Whether a log was written in `root` or one of its descendants. */
function _within(
  log: OtlpLog,
  root: OtlpSpan,
  spans: Map<string, OtlpSpan>,
): boolean {
  let id = log.spanId;
  for (let hops = 0; id !== "" && hops < spans.size + 1; hops++) {
    if (id === root.spanId) return true;
    id = spans.get(id)?.parentSpanId ?? "";
  }
  return false;
}
