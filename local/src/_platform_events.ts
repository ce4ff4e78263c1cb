// Lambda's platform events for the Telemetry API (platform.initStart … platform.report), with their `tracing` and
// `spans` (responseLatency, responseDuration, runtimeOverhead), built from what the emulator sees of each invocation:
// its START, the runtime's answer, its REPORT line and the runtime's next /next.

import { type ParsedReport, parseReportLine } from "./platform_lines.ts";

/** Where the events go: the Telemetry API's platform stream. */
export type PlatformEventSink = (
  type: `platform.${string}`,
  record: object,
  time: Date,
) => void;

/** Wall-clock milliseconds, fractional (injected in tests). */
export type WallClock = () => number;

const _wall: WallClock = () => performance.timeOrigin + performance.now();

/** An invocation between its start and its REPORT: the times its spans are cut from. */
interface _Running {
  readonly spanId: string;
  readonly traceValue: string;
  readonly startMs: number;
  respondingMs?: number;
  respondedMs?: number;
  nextMs?: number;
  /** Its REPORT, held until the runtime's next `/next`. */
  report?: ParsedReport;
}

/** A Lambda span: a name, an ISO start and a duration. */
interface _Span {
  name: string;
  start: string;
  durationMs: number;
}

/** Turns what the emulator sees into Lambda's platform events. */
export class PlatformEvents {
  readonly #sink: PlatformEventSink;
  readonly #now: WallClock;
  readonly #version: string;
  readonly #running = new Map<string, _Running>();

  /** Creates the events for a function running as `version`. */
  constructor(
    sink: PlatformEventSink,
    version: string,
    now: WallClock = _wall,
  ) {
    this.#sink = sink;
    this.#version = version;
    this.#now = now;
  }

  /** A process finished its init (its first `/next`) after `initMs`: initStart, initRuntimeDone, initReport. */
  initDone(initMs: number): void {
    const end = this.#now();
    const base = { initializationType: "on-demand", phase: "init" };
    this.#emit("platform.initStart", {
      ...base,
      functionVersion: this.#version,
    }, end - initMs);
    this.#emit("platform.initRuntimeDone", { ...base, status: "success" }, end);
    this.#emit("platform.initReport", {
      ...base,
      status: "success",
      metrics: { durationMs: _round(initMs) },
    }, end);
  }

  /** An invocation started: platform.start with its trace context. */
  started(requestId: string, traceValue: string): void {
    const running: _Running = {
      spanId: _spanId(),
      traceValue,
      startMs: this.#now(),
    };
    this.#running.set(requestId, running);
    this.#emit("platform.start", {
      requestId,
      version: this.#version,
      ...this.#tracing(running),
    }, running.startMs);
  }

  /** The runtime began its answer (a buffered one arrives whole: `done`). */
  responding(requestId: string, done: boolean): void {
    const running = this.#running.get(requestId);
    if (running === undefined || running.respondingMs !== undefined) return;
    running.respondingMs = this.#now();
    if (done) running.respondedMs = running.respondingMs;
  }

  /** The runtime asked for its next event: runtimeOverhead ends, and a REPORT held for it is sent. */
  polled(): void {
    const now = this.#now();
    for (const [requestId, running] of this.#running) {
      if (running.respondingMs === undefined || running.nextMs !== undefined) {
        continue;
      }
      running.respondedMs ??= now;
      running.nextMs = now;
      if (running.report !== undefined) {
        this.#done(requestId, running.report, now);
      }
    }
  }

  /**
   * Sees each platform line: a REPORT line gives platform.runtimeDone, then
   * platform.report. As on Lambda, an answered invocation's are held until
   * the runtime's next `/next` (its runtimeOverhead), or {@linkcode close}.
   */
  line(line: string): void {
    const report = parseReportLine(line);
    if (report === undefined) return;
    const running = this.#running.get(report.requestId);
    const now = this.#now();
    if (
      running !== undefined && report.status === "success" &&
      running.respondingMs !== undefined && running.nextMs === undefined
    ) {
      running.respondedMs ??= now;
      running.report = report;
      return;
    }
    this.#done(report.requestId, report, now);
  }

  /** Sends what is still held: the emulator is closing. */
  close(): void {
    const now = this.#now();
    for (const [requestId, running] of this.#running) {
      if (running.report !== undefined) {
        this.#done(requestId, running.report, now);
      }
    }
  }

  #done(requestId: string, report: ParsedReport, now: number): void {
    const running = this.#running.get(requestId);
    this.#running.delete(requestId);
    const status = {
      status: report.status,
      ...(report.errorType === undefined
        ? {}
        : { errorType: report.errorType }),
    };
    const tracing = running === undefined ? {} : this.#tracing(running);
    this.#emit("platform.runtimeDone", {
      requestId,
      ...status,
      ...tracing,
      ...(running === undefined ? {} : { spans: _spans(running, now) }),
      metrics: { durationMs: report.durationMs },
    }, now);
    this.#emit("platform.report", {
      requestId,
      ...status,
      ...tracing,
      metrics: {
        durationMs: report.durationMs,
        billedDurationMs: report.billedDurationMs,
        memorySizeMB: report.memorySizeMB,
        maxMemoryUsedMB: report.maxMemoryUsedMB,
        ...(report.initDurationMs === undefined
          ? {}
          : { initDurationMs: report.initDurationMs }),
      },
    }, now);
  }

  #tracing(running: _Running): object {
    return running.traceValue === "" ? {} : {
      tracing: {
        spanId: running.spanId,
        type: "X-Amzn-Trace-Id",
        value: running.traceValue,
      },
    };
  }

  #emit(type: `platform.${string}`, record: object, atMs: number): void {
    this.#sink(type, record, new Date(atMs));
  }
}

/** responseLatency (start → first byte of the answer), responseDuration (→ its last byte), runtimeOverhead (→ the next `/next`). */
function _spans(running: _Running, nowMs: number): _Span[] {
  const span = (name: string, from: number, to: number): _Span => ({
    name,
    start: new Date(from).toISOString(),
    durationMs: _round(Math.max(0, to - from)),
  });
  if (running.respondingMs === undefined) return [];
  const responded = Math.min(
    running.respondedMs ?? nowMs,
    running.nextMs ?? nowMs,
  );
  const spans = [
    span("responseLatency", running.startMs, running.respondingMs),
    span("responseDuration", running.respondingMs, responded),
  ];
  if (running.nextMs !== undefined) {
    spans.push(span("runtimeOverhead", responded, running.nextMs));
  }
  return spans;
}

function _round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function _spanId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(8)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}
