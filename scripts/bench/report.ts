/**
 * Turns the runs into figures per runtime (medians across rounds, ratios to
 * the floor), the terminal table and the JSON lines.
 *
 * @module
 */

import type { RunResult } from "./runner.ts";
import { median } from "./stats.ts";
import { columns, fixed, signed } from "./_table.ts";

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
  /** Each round's figures, in round order (`null` where that round's run failed), for pairing with the floor. */
  perRound: {
    invocationsPerSecond: (number | null)[];
    overheadP50Us: (number | null)[];
    overheadP99Us: (number | null)[];
    cpuUsPerInvocation: (number | null)[];
  };
  /**
   * Against the floor of the same run: ratios for speed, differences for
   * memory and start. Each ratio is the median of the rounds' ratios, each
   * round's runtime against the floor's run beside it in that round: the
   * shared machine's load drifts between rounds, and a pair shares it.
   */
  vsFloor?: {
    /** Throughput ÷ the floor's (higher is better). */
    throughput: number;
    /** p50 ÷ the floor's. */
    overheadP50: number;
    /** p99 ÷ the floor's. */
    overheadP99: number;
    /** CPU time per invocation ÷ the floor's. */
    cpuPerInvocation: number;
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
 * Reduces one runtime's runs of one payload, one per round (`undefined`
 * where it failed), to medians.
 *
 * @example
 * ```ts ignore
 * const figures = summarise(results, 100, 1000);
 * ```
 */
export function summarise(
  byRound: readonly (RunResult | undefined)[],
  bytes: number,
  invocations: number,
): PayloadFigures {
  const runs = byRound.filter((run) => run !== undefined);
  const of = (pick: (run: RunResult) => number) => median(runs.map(pick));
  const each = (pick: (run: RunResult) => number) =>
    Array.from(byRound, (run) => run === undefined ? null : pick(run));
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
    perRound: {
      invocationsPerSecond: each((run) => run.invocationsPerSecond),
      overheadP50Us: each((run) => run.overheadP50Us),
      overheadP99Us: each((run) => run.overheadP99Us),
      cpuUsPerInvocation: each((run) => run.cpuUsPerInvocation),
    },
  };
}

/**
 * The median of the rounds' ratios `ours[i] / theirs[i]`, over the rounds
 * where both ran.
 *
 * @example
 * ```ts
 * import { pairedRatio } from "./report.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pairedRatio([90, 45, null], [100, 50, 80]), 0.9);
 * ```
 */
export function pairedRatio(
  ours: readonly (number | null)[],
  theirs: readonly (number | null)[],
): number {
  const ratios: number[] = [];
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i];
    const b = theirs[i];
    if (a !== null && b !== null && b !== undefined) ratios.push(a / b);
  }
  return median(ratios);
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
      const ours = figures.perRound;
      const theirs = reference.perRound;
      figures.vsFloor = {
        throughput: pairedRatio(
          ours.invocationsPerSecond,
          theirs.invocationsPerSecond,
        ),
        overheadP50: pairedRatio(ours.overheadP50Us, theirs.overheadP50Us),
        overheadP99: pairedRatio(ours.overheadP99Us, theirs.overheadP99Us),
        cpuPerInvocation: pairedRatio(
          ours.cpuUsPerInvocation,
          theirs.cpuUsPerInvocation,
        ),
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
    "×floor",
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
        fixed(figures.invocationsPerSecond, 0),
        vs ? fixed(vs.throughput, 2) : "",
        fixed(figures.overheadP50Us, 0),
        fixed(figures.overheadP99Us, 0),
        vs ? fixed(vs.overheadP99, 2) : "",
        fixed(figures.coldStartMs, 1),
        vs ? signed(vs.coldStartMs, 1) : "",
        fixed(figures.peakRssMB, 1),
        vs ? signed(vs.peakRssMB, 1) : "",
        fixed(figures.cpuUsPerInvocation, 0),
        vs ? fixed(vs.cpuPerInvocation, 2) : "",
      ]);
    }
  }
  let text = columns(rows);
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
        fixed(figures.invocationsPerSecond, 0),
        fixed(figures.rssWarmMB, 1),
        fixed(figures.rssEndMB, 1),
        signed(figures.rssGrowthMB, 1),
        fixed(figures.peakRssMB, 1),
      ]);
    }
    text += "\n\n" + columns(longRows);
  }
  return text;
}
