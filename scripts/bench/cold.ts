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
  buildLayered,
  buildPortable,
  bundleNode,
  type ColdCase,
  nodeProject,
} from "./cold_artifacts.ts";
import { startOnce, type StartResult } from "./cold_start.ts";
import {
  coldDiskTools,
  evictFiles,
  flushFiles,
  residentBytes,
} from "./cold_disk.ts";
import {
  type ColdFigures,
  coldLine,
  type ColdSample,
  compareColdLines,
  type Disk,
} from "./cold_report.ts";
import { spawnLocalServers } from "../../examples/aws_sdk/spawn_local_servers.ts";

export type { ColdCase } from "./cold_artifacts.ts";
export type { ColdFigures, Disk } from "./cold_report.ts";
export { formatColdTable } from "./cold_report.ts";

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
  const samples = new Map<string, (ColdSample | undefined)[]>();
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
          coldLine(
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
  compareColdLines(lines);
  return lines;
}

function _done(what: string, sample: ColdSample, disk: Disk): string {
  return `${what}: /next ${sample.firstNextMs.toFixed(1)} ms, ` +
    `answer ${sample.firstAnswerMs.toFixed(1)} ms` +
    (disk === "cold"
      ? `, ${_mb(sample.pagedInBytes)} MiB of the binary paged in`
      : "");
}

function _key(entry: ColdCase, disk: Disk): string {
  return `${entry.function}\t${entry.runtime}\t${disk}`;
}

async function _sample(
  entry: ColdCase,
  disk: Disk,
  startCase: (entry: ColdCase) => Promise<StartResult>,
): Promise<ColdSample> {
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

function _mb(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / 1048576).toFixed(1) : "?";
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
    progress(
      `cold: building ${fn.entry} (portable, --layer) and ${fn.node} (esbuild)`,
    );
    const [shipped, bare, twin] = await buildPortable(
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
    }, {
      function: fn.name,
      runtime: "rtl-layer",
      description:
        "the same function built --layer: function.zip at the task root, Deno from the layer unzipped read-only under RTL_LAMBDA_OPT",
      artifact: await buildLayered(
        root,
        fn.entry,
        `${work}/${fn.name}-layer`,
        fn.buildArgs,
      ),
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
          "the same artifact (its own copy) with RTL_LAMBDA_READAHEAD=off: the binary paged in by faults alone",
        artifact: { ...twin, env: { RTL_LAMBDA_READAHEAD: "off" } },
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
