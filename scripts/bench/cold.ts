/**
 * The cold-start suite (`deno task bench --cold`): each function built
 * portable, unzipped read-only, started with an empty `DENO_DIR` and
 * `TMPDIR` against a one-invocation feeder; beside it the same handler on
 * Node 20 (esbuild bundle, aws-lambda-ric) and, for echo, bare Deno running
 * the fetch loop. Starts are interleaved; medians are reported. Each start
 * runs twice: on a warm disk (the runtime's files in the page cache, as on
 * a busy Lambda host) and on a cold disk (every file the start may read
 * evicted first, as a new sandbox's disk), with the bytes of the binary the
 * cold start paged in.
 *
 * @module
 */

import {
  bareDeno,
  buildPortable,
  bundleNode,
  type ColdArtifact,
  nodeProject,
} from "./cold_artifacts.ts";
import { startOnce, type StartResult } from "./cold_start.ts";
import {
  coldDiskTools,
  evictFiles,
  flushFiles,
  residentBytes,
} from "./cold_disk.ts";
import { median } from "./stats.ts";
import { columns, fixed, signed } from "./_table.ts";
import { spawnLocalServers } from "../../examples/aws_sdk/spawn_local_servers.ts";

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

/** Options of {@linkcode runColdSuite}. */
export interface ColdOptions {
  /** The project's root. */
  root: string;
  /** Starts per function and runtime (≥ 5 for the medians the issue asks for). */
  starts: number;
  /** Functions to run; default all. */
  functions?: readonly string[];
  /** Progress lines. */
  progress?: (line: string) => void;
  /** Whether to add cold-disk starts (default: when `dd iflag=nocache` works here). */
  coldDisk?: boolean;
}

/** One function on one runtime, as the suite starts it. */
export interface ColdCase {
  /** `echo`, `hono`, `aws-sdk`. */
  function: string;
  /** `rtl-lambda`, `node-ric`, `floor-deno`, … (`node-…` is the peer ratios are taken against). */
  runtime: string;
  /** What runs. */
  description: string;
  /** The built artifact. */
  artifact: ColdArtifact;
  /** The one invocation's event. */
  event: Uint8Array<ArrayBuffer>;
  /** Whether the function talks to the local S3 and DynamoDB servers. */
  servers?: boolean;
}

const _encoder = new TextEncoder();

/**
 * Builds everything, then starts every case `starts` times on a warm disk
 * and, where eviction works, on a cold disk, interleaved.
 *
 * @example
 * ```ts ignore
 * const lines = await runColdSuite({ root: Deno.cwd(), starts: 5 });
 * ```
 */
export async function runColdSuite(
  options: ColdOptions,
): Promise<ColdFigures[]> {
  const work = await Deno.makeTempDir({ prefix: "rtl-cold-" });
  try {
    const cases = await _cases(options, work, options.progress ?? (() => {}));
    return await measureCases(cases, options);
  } finally {
    await _makeWritable(work);
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/**
 * Starts built `cases` `starts` times each on a warm disk and, where
 * eviction works (or `coldDisk` says so), on a cold disk, interleaved; one
 * line per case and disk, grouped by function then disk.
 *
 * @example
 * ```ts ignore
 * const lines = await measureCases(cases, { starts: 1 });
 * ```
 */
export async function measureCases(
  cases: readonly ColdCase[],
  options: Pick<ColdOptions, "starts" | "progress" | "coldDisk">,
): Promise<ColdFigures[]> {
  const progress = options.progress ?? (() => {});
  const disks: Disk[] = options.coldDisk ?? (await coldDiskTools()).evict
    ? ["warm", "cold"]
    : ["warm"];
  if (disks.length === 1) {
    progress("cold: no cold-disk starts (dd iflag=nocache did not work here)");
  }
  // Written just now, the files' pages are dirty, and eviction keeps dirty pages.
  await flushFiles([...new Set(cases.flatMap((c) => c.artifact.files))]);
  await using servers = cases.some((entry) => entry.servers)
    ? await spawnLocalServers()
    : undefined;
  const startCase = (entry: ColdCase) =>
    startOnce({
      ...entry.artifact,
      event: entry.event,
      env: { ...entry.artifact.env, ...(entry.servers ? servers?.env : {}) },
    });
  // One unmeasured start each: the page cache holds the binaries, as on a warm Lambda host.
  for (const entry of cases) {
    await startCase(entry).catch(() => {});
  }
  // Indexed by round, so that each cold start pairs with the warm start just before it.
  const samples = new Map<string, (_Sample | undefined)[]>();
  const failures = new Map<string, number>();
  for (let start = 0; start < options.starts; start++) {
    for (const [i] of cases.entries()) {
      const entry = cases[(i + start) % cases.length];
      // Warm first: the previous cold start of this case paged in what a start reads.
      for (const disk of disks) {
        const key = _key(entry, disk);
        const what = `cold ${start + 1}/${options.starts} ${entry.function} ` +
          `${entry.runtime} (${disk} disk)`;
        try {
          const sample = await _sample(entry, disk, startCase);
          const runs = samples.get(key) ?? [];
          runs[start] = sample;
          samples.set(key, runs);
          progress(_done(what, sample, disk));
        } catch (error) {
          failures.set(key, (failures.get(key) ?? 0) + 1);
          progress(
            `${what}: FAILED ${error instanceof Error ? error.message : error}`,
          );
        }
      }
    }
  }
  const setup = {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    node: await _nodeVersion(),
    cpus: navigator.hardwareConcurrency,
    starts: options.starts,
  };
  // Grouped by function, then disk: each group holds its own comparisons.
  const functions = [...new Set(cases.map((entry) => entry.function))];
  const lines = await Promise.all(
    functions.flatMap((name) =>
      disks.flatMap((disk) =>
        cases.filter((entry) => entry.function === name).map((entry) =>
          _line(
            entry,
            disk,
            samples.get(_key(entry, disk)) ?? [],
            samples.get(_key(entry, "warm")) ?? [],
            failures.get(_key(entry, disk)) ?? 0,
            setup,
          )
        )
      )
    ),
  );
  _compare(lines);
  return lines;
}

function _done(what: string, sample: _Sample, disk: Disk): string {
  return `${what}: /next ${sample.firstNextMs.toFixed(1)} ms, ` +
    `answer ${sample.firstAnswerMs.toFixed(1)} ms` +
    (disk === "cold"
      ? `, ${_mb(sample.pagedInBytes)} MiB of the binary paged in`
      : "");
}

interface _Sample extends StartResult {
  /** Cold disk: bytes of the binary cached right after eviction. */
  residentAfterEvictBytes: number;
  /** Cold disk: bytes of the binary cached after the start. */
  pagedInBytes: number;
}

function _key(entry: ColdCase, disk: Disk): string {
  return `${entry.function}\t${entry.runtime}\t${disk}`;
}

async function _sample(
  entry: ColdCase,
  disk: Disk,
  startCase: (entry: ColdCase) => Promise<StartResult>,
): Promise<_Sample> {
  if (disk === "warm") {
    return {
      ...await startCase(entry),
      residentAfterEvictBytes: NaN,
      pagedInBytes: NaN,
    };
  }
  await evictFiles(entry.artifact.files);
  const residentAfterEvictBytes = await residentBytes(entry.artifact.binary);
  const result = await startCase(entry);
  return {
    ...result,
    residentAfterEvictBytes,
    pagedInBytes: await residentBytes(entry.artifact.binary),
  };
}

async function _line(
  entry: ColdCase,
  disk: Disk,
  rounds: readonly (_Sample | undefined)[],
  warmRounds: readonly (_Sample | undefined)[],
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

// Ratios to Node's and bare Deno's line of the same function on the same disk.
function _compare(lines: readonly ColdFigures[]): void {
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

function _mb(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / 1048576).toFixed(1) : "?";
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

async function _cases(
  options: ColdOptions,
  work: string,
  progress: (line: string) => void,
): Promise<ColdCase[]> {
  const root = options.root;
  const wanted = (name: string) =>
    options.functions === undefined || options.functions.includes(name);
  const httpEvent = new Uint8Array(
    await Deno.readFile(
      `${root}/tests/fixtures/http/function_url/get_query.json`,
    ),
  );
  const functions = [
    {
      name: "echo",
      entry: "examples/echo/main.ts",
      node: "scripts/bench/cold/node_echo.mjs",
      event: _encoder.encode('"hello"'),
      buildArgs: [],
    },
    {
      name: "hono",
      entry: "examples/hono/main.ts",
      node: "scripts/bench/cold/node_hono.mjs",
      event: httpEvent,
      buildArgs: [],
    },
    {
      name: "aws-sdk",
      entry: "examples/aws_sdk/main.ts",
      node: "scripts/bench/cold/node_aws_sdk.mjs",
      event: _encoder.encode('{"hello":"world"}'),
      // The default permissions, as a user builds it.
      buildArgs: [],
      servers: true,
    },
  ].filter((fn) => wanted(fn.name));

  progress("cold: installing the Node peers (once per set of pins)");
  const project = await nodeProject();
  const nodeRuntime = project.ric ? "node-ric" : "node-fetch-loop";
  const nodeDescription = project.ric
    ? "Node 20, esbuild bundle, AWS's aws-lambda-ric"
    : "Node 20, esbuild bundle, a minimal fetch loop (aws-lambda-ric did not build here)";
  const cases: ColdCase[] = [];
  for (const fn of functions) {
    progress(`cold: building ${fn.entry} (portable) and ${fn.node} (esbuild)`);
    const [shipped, bare] = await buildPortable(
      root,
      fn.entry,
      `${work}/${fn.name}`,
      fn.buildArgs,
    );
    cases.push({
      function: fn.name,
      runtime: "rtl-lambda",
      description: `${fn.entry}, portable build, read-only, empty DENO_DIR`,
      artifact: shipped,
      event: fn.event,
      servers: fn.servers,
    }, {
      function: fn.name,
      runtime: "rtl-nocache",
      description:
        `the same artifact without the caches the build ships (.deno)`,
      artifact: bare,
      event: fn.event,
      servers: fn.servers,
    });
    cases.push({
      function: fn.name,
      runtime: nodeRuntime,
      description: nodeDescription,
      artifact: await bundleNode(
        project,
        `${root}/${fn.node}`,
        `${work}/node-${fn.name}`,
      ),
      event: fn.event,
      servers: fn.servers,
    });
    if (fn.name === "echo") {
      cases.push({
        function: fn.name,
        runtime: "rtl-no-readahead",
        description:
          "the same artifact with RTL_LAMBDA_READAHEAD=off: the binary paged in by faults alone",
        artifact: { ...shipped, env: { RTL_LAMBDA_READAHEAD: "off" } },
        event: fn.event,
      }, {
        function: fn.name,
        runtime: "floor-deno",
        description:
          "bare Deno: floor_fetch.ts bundled, same flags, empty DENO_DIR",
        artifact: await bareDeno(root, `${work}/floor`),
        event: fn.event,
      });
    }
  }
  return cases;
}

async function _nodeVersion(): Promise<string> {
  try {
    const output = await new Deno.Command("node", {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(output.stdout).trim();
  } catch {
    return "unknown";
  }
}

async function _makeWritable(path: string): Promise<void> {
  await new Deno.Command("chmod", { args: ["-R", "u+w", path] }).output()
    .catch(() => {});
}

function _round(value: number): number {
  return Math.round(value * 10) / 10;
}
