/**
 * The cold suite's lines and table: one line per function, runtime and
 * disk, its ratios to Node's and bare Deno's, and the table they print as.
 *
 * @module
 */

import type { ColdCase } from "./cold_artifacts.ts";
import type { StartResult } from "./cold_start.ts";
import { median } from "./stats.ts";
import { columns, fixed, signed } from "./_table.ts";

/** One line of the suite's output: a function on one runtime. */
export interface ColdFigures {
  /** Always `@rtl/lambda`. */
  bench: "@rtl/lambda";
  /** Always `cold`: tells these lines from the throughput ones. */
  suite: "cold";
  /** `echo`, `hono` or `aws-sdk`. */
  function: string;
  /** `rtl-lambda`, `node-ric`, `node-fetch-loop` or `floor-deno`. */
  runtime: string;
  /** `warm`: the files in the page cache; `cold`: evicted before each start. */
  disk: Disk;
  /** What ran. */
  description: string;
  /** Starts that answered. */
  starts: number;
  /** Starts that failed. */
  failures: number;
  /** Median spawn → first `/next`, ms. */
  firstNextMs: number;
  /** Median spawn → first answer, ms. */
  firstAnswerMs: number;
  /** Every start's spawn → first `/next`, ms. */
  firstNextSamplesMs: number[];
  /** Every start's spawn → first answer, ms. */
  firstAnswerSamplesMs: number[];
  /** Outcomes that were errors. */
  errors: number;
  /** Median CPU time spawn → first answer, all threads, ms. */
  cpuMs: number;
  /** Bytes of the code loaded at start. */
  codeBytes: number;
  /** Bytes of the runtime's binary. */
  binaryBytes: number;
  /** Cold disk: median over rounds of the first answer minus the same round's warm-disk one, ms. */
  vsWarmFirstAnswerMs?: number;
  /** Cold disk: median bytes of the binary in the page cache after the start (`fincore`). */
  pagedInBytes?: number;
  /** Median major page faults to the first answer (reads from disk the start waited for). */
  majorFaults: number;
  /** Cold disk: median bytes of the binary still cached right after eviction (about 0). */
  residentAfterEvictBytes?: number;
  /** First answer ÷ Node's for the same function (lower is better). */
  vsNodeFirstAnswer?: number;
  /** CPU time to the first answer ÷ Node's (lower is better; steadier than wall time on a loaded machine). */
  vsNodeCpu?: number;
  /** First `/next` minus bare Deno's, ms (echo). */
  vsFloorFirstNextMs?: number;
  /** How the suite was run. */
  setup: Record<string, unknown>;
}

/** Where a start finds its files: in the page cache, or evicted from it. */
export type Disk = "warm" | "cold";

/** One start as the suite keeps it. */
export interface ColdSample extends StartResult {
  /** Cold disk: bytes of the binary cached right after eviction. */
  residentAfterEvictBytes: number;
  /** Cold disk: bytes of the binary cached after the start. */
  pagedInBytes: number;
}

/**
 * One case's line on one disk from its starts, indexed by round, and the
 * warm-disk starts of the same rounds (a cold start is taken against the
 * warm one just before it).
 *
 * @example
 * ```ts ignore
 * const line = await coldLine(entry, "cold", rounds, warmRounds, 0, {});
 * ```
 */
export async function coldLine(
  entry: ColdCase,
  disk: Disk,
  rounds: readonly (ColdSample | undefined)[],
  warmRounds: readonly (ColdSample | undefined)[],
  failures: number,
  setup: Record<string, unknown>,
): Promise<ColdFigures> {
  const runs = rounds.filter((run) => run !== undefined);
  const line: ColdFigures = {
    bench: "@rtl/lambda",
    suite: "cold",
    function: entry.function,
    runtime: entry.runtime,
    disk,
    description: entry.description,
    starts: runs.length,
    failures,
    firstNextMs: median(runs.map((run) => run.firstNextMs)),
    firstAnswerMs: median(runs.map((run) => run.firstAnswerMs)),
    firstNextSamplesMs: runs.map((run) => _round(run.firstNextMs)),
    firstAnswerSamplesMs: runs.map((run) => _round(run.firstAnswerMs)),
    errors: runs.filter((run) => run.error).length,
    cpuMs: median(runs.map((run) => run.cpuMs)),
    majorFaults: median(runs.map((run) => run.majorFaults)),
    codeBytes: entry.artifact.codeBytes,
    binaryBytes: (await Deno.stat(entry.artifact.binary)).size,
    setup,
  };
  if (disk === "cold") {
    // Each cold start against the warm start just before it: the load of the machine cancels out.
    line.vsWarmFirstAnswerMs = median(
      rounds.flatMap((run, i) => {
        const warm = warmRounds[i];
        return run && warm ? [run.firstAnswerMs - warm.firstAnswerMs] : [];
      }),
    );
    line.pagedInBytes = median(runs.map((run) => run.pagedInBytes));
    line.residentAfterEvictBytes = median(
      runs.map((run) => run.residentAfterEvictBytes),
    );
  }
  return line;
}

/**
 * Adds to each line its ratios to Node's and bare Deno's line of the same
 * function on the same disk.
 *
 * @example
 * ```ts ignore
 * compareColdLines(lines);
 * ```
 */
export function compareColdLines(lines: readonly ColdFigures[]): void {
  for (const line of lines) {
    const peer = (match: (runtime: string) => boolean) =>
      lines.find((other) =>
        other !== line && other.function === line.function &&
        other.disk === line.disk && match(other.runtime)
      );
    const node = peer((runtime) => runtime.startsWith("node-"));
    if (node && !line.runtime.startsWith("node-")) {
      line.vsNodeFirstAnswer = line.firstAnswerMs / node.firstAnswerMs;
      line.vsNodeCpu = line.cpuMs / node.cpuMs;
    }
    const floor = peer((runtime) => runtime === "floor-deno");
    if (floor) line.vsFloorFirstNextMs = line.firstNextMs - floor.firstNextMs;
  }
}

/**
 * The suite's table.
 *
 * @example
 * ```ts ignore
 * console.error(formatColdTable(lines));
 * ```
 */
export function formatColdTable(lines: readonly ColdFigures[]): string {
  const rows = [[
    "function",
    "runtime",
    "starts",
    "/next ms",
    "answer ms",
    "×node",
    "cpu ms",
    "×node cpu",
    "/next +floor",
    "code KB",
    "faults",
    "+warm ms",
    "paged in MiB",
  ]];
  for (const line of lines) {
    rows.push([
      line.function,
      `${line.runtime}${line.disk === "cold" ? " (cold disk)" : ""}`,
      `${line.starts}${line.failures ? ` (${line.failures} failed)` : ""}`,
      fixed(line.firstNextMs, 1),
      fixed(line.firstAnswerMs, 1),
      line.vsNodeFirstAnswer === undefined
        ? ""
        : fixed(line.vsNodeFirstAnswer, 2),
      fixed(line.cpuMs, 1),
      line.vsNodeCpu === undefined ? "" : fixed(line.vsNodeCpu, 2),
      line.vsFloorFirstNextMs === undefined
        ? ""
        : signed(line.vsFloorFirstNextMs, 1),
      fixed(line.codeBytes / 1024, 0),
      fixed(line.majorFaults, 0),
      line.vsWarmFirstAnswerMs === undefined
        ? ""
        : signed(line.vsWarmFirstAnswerMs, 1),
      line.pagedInBytes === undefined
        ? ""
        : `${fixed(line.pagedInBytes / 1048576, 1)} of ${
          fixed(line.binaryBytes / 1048576, 1)
        }`,
    ]);
  }
  return columns(rows);
}

function _round(value: number): number {
  return Math.round(value * 10) / 10;
}
