/**
 * The cold-start suite (`deno task bench --cold`): each function built
 * portable, unzipped read-only, started with an empty `DENO_DIR` and
 * `TMPDIR` against a one-invocation feeder; beside it the same handler on
 * Node 20 (esbuild bundle, aws-lambda-ric) and, for echo, bare Deno running
 * the fetch loop. Starts are interleaved; medians are reported.
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
  /** First answer ÷ Node's for the same function (lower is better). */
  vsNodeFirstAnswer?: number;
  /** CPU time to the first answer ÷ Node's (lower is better; steadier than wall time on a loaded machine). */
  vsNodeCpu?: number;
  /** First `/next` minus bare Deno's, ms (echo). */
  vsFloorFirstNextMs?: number;
  /** How the suite was run. */
  setup: Record<string, unknown>;
}

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
}

interface _Case {
  function: string;
  runtime: string;
  description: string;
  artifact: ColdArtifact;
  event: Uint8Array<ArrayBuffer>;
  /** Whether the function talks to the local S3 and DynamoDB servers. */
  servers?: boolean;
}

const _encoder = new TextEncoder();

/**
 * Builds everything, then starts every case `starts` times, interleaved.
 *
 * @example
 * ```ts ignore
 * const lines = await runColdSuite({ root: Deno.cwd(), starts: 5 });
 * ```
 */
export async function runColdSuite(
  options: ColdOptions,
): Promise<ColdFigures[]> {
  const progress = options.progress ?? (() => {});
  const work = await Deno.makeTempDir({ prefix: "rtl-cold-" });
  try {
    const cases = await _cases(options, work, progress);
    await using servers = cases.some((entry) => entry.servers)
      ? await spawnLocalServers()
      : undefined;
    const startCase = (entry: _Case) =>
      startOnce({
        ...entry.artifact,
        event: entry.event,
        env: entry.servers ? servers?.env : undefined,
      });
    const samples = new Map<_Case, StartResult[]>();
    const failures = new Map<_Case, number>();
    // One unmeasured start each: the page cache holds the binaries, as on a warm Lambda host.
    for (const entry of cases) {
      await startCase(entry).catch(() => {});
    }
    for (let start = 0; start < options.starts; start++) {
      for (const [i] of cases.entries()) {
        const entry = cases[(i + start) % cases.length];
        try {
          const result = await startCase(entry);
          samples.set(entry, [...(samples.get(entry) ?? []), result]);
          progress(
            `cold ${
              start + 1
            }/${options.starts} ${entry.function} ${entry.runtime}: ` +
              `/next ${result.firstNextMs.toFixed(1)} ms, answer ${
                result.firstAnswerMs.toFixed(1)
              } ms`,
          );
        } catch (error) {
          failures.set(entry, (failures.get(entry) ?? 0) + 1);
          progress(
            `cold ${entry.function} ${entry.runtime}: FAILED ${
              error instanceof Error ? error.message : error
            }`,
          );
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
    const lines = cases.map((entry): ColdFigures => {
      const runs = samples.get(entry) ?? [];
      return {
        bench: "@rtl/lambda",
        suite: "cold",
        function: entry.function,
        runtime: entry.runtime,
        description: entry.description,
        starts: runs.length,
        failures: failures.get(entry) ?? 0,
        firstNextMs: median(runs.map((run) => run.firstNextMs)),
        firstAnswerMs: median(runs.map((run) => run.firstAnswerMs)),
        firstNextSamplesMs: runs.map((run) => _round(run.firstNextMs)),
        firstAnswerSamplesMs: runs.map((run) => _round(run.firstAnswerMs)),
        errors: runs.filter((run) => run.error).length,
        cpuMs: median(runs.map((run) => run.cpuMs)),
        codeBytes: entry.artifact.codeBytes,
        setup,
      };
    });
    for (const line of lines) {
      const node = lines.find((other) =>
        other.function === line.function && other.runtime.startsWith("node-")
      );
      if (node && line !== node) {
        line.vsNodeFirstAnswer = line.firstAnswerMs / node.firstAnswerMs;
        line.vsNodeCpu = line.cpuMs / node.cpuMs;
      }
      const floor = lines.find((other) =>
        other.function === line.function && other.runtime === "floor-deno"
      );
      if (floor && line !== floor) {
        line.vsFloorFirstNextMs = line.firstNextMs - floor.firstNextMs;
      }
    }
    return lines;
  } finally {
    await _makeWritable(work);
    await Deno.remove(work, { recursive: true }).catch(() => {});
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
  ]];
  for (const line of lines) {
    rows.push([
      line.function,
      line.runtime,
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
    ]);
  }
  return columns(rows);
}

async function _cases(
  options: ColdOptions,
  work: string,
  progress: (line: string) => void,
): Promise<_Case[]> {
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
  const project = await nodeProject(root);
  const nodeRuntime = project.ric ? "node-ric" : "node-fetch-loop";
  const nodeDescription = project.ric
    ? "Node 20, esbuild bundle, AWS's aws-lambda-ric"
    : "Node 20, esbuild bundle, a minimal fetch loop (aws-lambda-ric did not build here)";
  const cases: _Case[] = [];
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
