/**
 * Turns the runs into figures per runtime (medians across rounds, ratios to
 * the floor), the terminal table and the JSON lines.
 *
 * @module
 */

import type { RunResult } from "./runner.ts";
import { median } from "./stats.ts";

/** A runtime's figures for one payload, medians across rounds. */
export interface PayloadFigures {
  /** The event's size in bytes. */
  bytes: number;
  /** Invocations per run. */
  invocations: number;
  /** Runs that finished. */
  rounds: number;
  /** Outcomes received across all runs. */
  completed: number;
  /** Outcomes that were errors, across all runs. */
  errors: number;
  /** Requests the feeder did not expect, across all runs. */
  unexpected: number;
  /** Invocations per second. */
  invocationsPerSecond: number;
  /** Median overhead, µs. */
  overheadP50Us: number;
  /** 99th percentile overhead, µs. */
  overheadP99Us: number;
  /** Spawn to first `/next`, ms. */
  coldStartMs: number;
  /** Peak RSS (`VmHWM`), MB. */
  peakRssMB: number;
  /** CPU time of the runtime process per invocation, µs. */
  cpuUsPerInvocation: number;
  /** Against the floor of the same run: ratios for speed, differences for memory and start. */
  vsFloor?: {
    /** Throughput ÷ the floor's (higher is better). */
    throughput: number;
    /** p50 ÷ the floor's. */
    overheadP50: number;
    /** p99 ÷ the floor's. */
    overheadP99: number;
    /** Peak RSS minus the floor's, MB. */
    peakRssMB: number;
    /** Cold start minus the floor's, ms. */
    coldStartMs: number;
  };
}

/** A runtime's long run: memory growth after warm-up. */
export interface LongFigures {
  /** Invocations in the run. */
  invocations: number;
  /** Invocations per second over the run. */
  invocationsPerSecond: number;
  /** `VmRSS` after the first tenth, MB. */
  rssWarmMB: number;
  /** `VmRSS` at the end, MB. */
  rssEndMB: number;
  /** End minus warm, MB. */
  rssGrowthMB: number;
  /** Peak RSS, MB. */
  peakRssMB: number;
  /** Outcomes that were errors. */
  errors: number;
  /** Outcomes received. */
  completed: number;
}

/** One JSON line: everything measured for one runtime. */
export interface RuntimeFigures {
  /** Always `@rtl/lambda`: tells these lines apart in a shared log. */
  bench: "@rtl/lambda";
  /** The runtime's name. */
  runtime: string;
  /** What it is. */
  description: string;
  /** The runtime the ratios are taken against. */
  floor: string;
  /** Per payload label. */
  payloads: Record<string, PayloadFigures>;
  /** The long run, when there was one. */
  long?: LongFigures;
  /** How the bench was run. */
  setup: Record<string, unknown>;
}

/**
 * Reduces one runtime's runs of one payload to medians.
 *
 * @example
 * ```ts ignore
 * const figures = summarise(results, 100, 1000);
 * ```
 */
export function summarise(
  runs: readonly RunResult[],
  bytes: number,
  invocations: number,
): PayloadFigures {
  const of = (pick: (run: RunResult) => number) => median(runs.map(pick));
  let completed = 0;
  let errors = 0;
  let unexpected = 0;
  for (const run of runs) {
    completed += run.completed;
    errors += run.errors;
    unexpected += run.unexpected;
  }
  return {
    bytes,
    invocations,
    rounds: runs.length,
    completed,
    errors,
    unexpected,
    invocationsPerSecond: of((run) => run.invocationsPerSecond),
    overheadP50Us: of((run) => run.overheadP50Us),
    overheadP99Us: of((run) => run.overheadP99Us),
    coldStartMs: of((run) => run.coldStartMs),
    peakRssMB: of((run) => run.peakRssMB),
    cpuUsPerInvocation: of((run) => run.cpuUsPerInvocation),
  };
}

/**
 * Fills `vsFloor` of every payload of every runtime from the floor's figures.
 *
 * @example
 * ```ts ignore
 * compareToFloor(lines, "floor-fetch");
 * ```
 */
export function compareToFloor(
  lines: readonly RuntimeFigures[],
  floorName: string,
): void {
  const floor = lines.find((line) => line.runtime === floorName);
  if (floor === undefined) return;
  for (const line of lines) {
    for (const [label, figures] of Object.entries(line.payloads)) {
      const reference = floor.payloads[label];
      if (reference === undefined) continue;
      figures.vsFloor = {
        throughput: figures.invocationsPerSecond /
          reference.invocationsPerSecond,
        overheadP50: figures.overheadP50Us / reference.overheadP50Us,
        overheadP99: figures.overheadP99Us / reference.overheadP99Us,
        peakRssMB: figures.peakRssMB - reference.peakRssMB,
        coldStartMs: figures.coldStartMs - reference.coldStartMs,
      };
    }
  }
}

/**
 * The terminal table: one row per runtime and payload, then the long runs.
 *
 * @example
 * ```ts ignore
 * console.error(formatTable(lines));
 * ```
 */
export function formatTable(lines: readonly RuntimeFigures[]): string {
  const rows: string[][] = [[
    "runtime",
    "payload",
    "inv/s",
    "×floor",
    "p50 µs",
    "p99 µs",
    "×floor",
    "cold ms",
    "+floor",
    "peak MB",
    "+floor",
    "cpu µs/inv",
  ]];
  const labels = [
    ...new Set(lines.flatMap((line) => Object.keys(line.payloads))),
  ];
  for (const label of labels) {
    for (const line of lines) {
      const figures = line.payloads[label];
      if (figures === undefined) continue;
      const vs = figures.vsFloor;
      rows.push([
        line.runtime,
        label,
        _fixed(figures.invocationsPerSecond, 0),
        vs ? _fixed(vs.throughput, 2) : "",
        _fixed(figures.overheadP50Us, 0),
        _fixed(figures.overheadP99Us, 0),
        vs ? _fixed(vs.overheadP99, 2) : "",
        _fixed(figures.coldStartMs, 1),
        vs ? _signed(vs.coldStartMs, 1) : "",
        _fixed(figures.peakRssMB, 1),
        vs ? _signed(vs.peakRssMB, 1) : "",
        _fixed(figures.cpuUsPerInvocation, 0),
      ]);
    }
  }
  let text = _columns(rows);
  const long = lines.filter((line) => line.long !== undefined);
  if (long.length > 0) {
    const longRows: string[][] = [[
      "runtime",
      "long run",
      "inv/s",
      "RSS warm MB",
      "RSS end MB",
      "growth MB",
      "peak MB",
    ]];
    for (const line of long) {
      const figures = line.long!;
      longRows.push([
        line.runtime,
        String(figures.invocations),
        _fixed(figures.invocationsPerSecond, 0),
        _fixed(figures.rssWarmMB, 1),
        _fixed(figures.rssEndMB, 1),
        _signed(figures.rssGrowthMB, 1),
        _fixed(figures.peakRssMB, 1),
      ]);
    }
    text += "\n\n" + _columns(longRows);
  }
  return text;
}

function _fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "–";
}

function _signed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return "–";
  return (value >= 0 ? "+" : "") + value.toFixed(digits);
}

function _columns(rows: readonly string[][]): string {
  const widths = rows[0].map((_, column) =>
    Math.max(...rows.map((row) => row[column].length))
  );
  return rows.map((row) =>
    row.map((cell, column) =>
      column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])
    ).join("  ")
  ).join("\n");
}
