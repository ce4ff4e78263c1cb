/**
 * `deno task bench`: @rtl/lambda against the floor, the leanest loop Deno
 * can run against the Runtime API. Each runtime is spawned as its own
 * process against a fresh feeder, interleaved with the others, for several
 * rounds; medians are reported as a table (stderr) and one JSON line per
 * runtime (stdout).
 *
 * ```sh
 * deno task bench                  # full: 5 rounds, 4 payloads, 100 000-invocation long run
 * deno task bench --quick          # a minute: 1 round, 3000 small invocations (fewer for large payloads)
 * deno task bench --smoke          # seconds: 1 round, 100 B only (what the tests run)
 * deno task bench --payloads 100B,1MB --runtimes rtl-lambda,floor-fetch --rounds 3
 * deno task bench --cold           # the cold-start suite alone (also: deno task bench:cold)
 * ```
 *
 * The full run ends with the cold-start suite (`scripts/bench/cold.ts`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  buildEvent,
  parsePayloadSize,
  type PayloadSize,
} from "./bench/payloads.ts";
import {
  compareToFloor,
  formatTable,
  type RuntimeFigures,
  summarise,
} from "./bench/report.ts";
import { runOnce, type RunResult, type RunSpec } from "./bench/runner.ts";
import { formatColdTable, runColdSuite } from "./bench/cold.ts";
import {
  type BenchRuntime,
  DEFAULT_FLOOR,
  RUNTIMES,
  SMALL_PAYLOAD_BYTES,
} from "./bench/runtimes.ts";

const _USAGE = `Usage: deno task bench [options]

  --smoke             seconds: 1 round, 300 invocations of 100B, no long run
  --quick             about a minute: 1 round, every payload, 3000 small invocations
  --invocations N     invocations per run with the smallest payload (full: 20000);
                      larger payloads get fewer (about N × 50 KB ÷ size, at least 30)
  --rounds N          rounds, each running every runtime once per payload (full: 5)
  --payloads LIST     comma-separated sizes (full: 100B,256KB,1MB,5.5MB)
  --runtimes LIST     comma-separated names (all: ${
  RUNTIMES.map((runtime) => runtime.name).join(",")
})
  --long N            invocations of the long run that measures RSS growth (full: 100000; 0: none)
  --script NAME=PATH  also bench your own function (a script that calls run()), repeatable
  --floor NAME        the runtime ratios are taken against (${DEFAULT_FLOOR})
  --feeder raw|serve  the feeder's server: raw Deno.listen socket (default) or Deno.serve
  --memory MB         AWS_LAMBDA_FUNCTION_MEMORY_SIZE given to every runtime (128)
  --deno-arg ARG      extra 'deno run' argument for every runtime, repeatable (--v8-flags=...)
  --cold              only the cold-start suite: portable builds read-only, empty DENO_DIR,
                      against Node 20 + aws-lambda-ric (the full run ends with it); each
                      start on a warm disk and on a cold one (files evicted from the page cache)
  --cold-starts N     starts per function and runtime in the cold suite (5)
  --cold-functions L  comma-separated: echo,hono,aws-sdk (all)
  --no-cold           leave the cold suite out of the full run
  --help
`;

/** The OpenTelemetry variables the bench passes to every runtime when it has them. */
const OTEL_VARIABLES = [
  "OTEL_DENO",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_PROPAGATORS",
  "OTEL_TRACES_SAMPLER",
  "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
  "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
  "RTL_LAMBDA_OTEL_FLUSH_MS",
];

const _ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      smoke: { type: "boolean" },
      quick: { type: "boolean" },
      invocations: { type: "string" },
      rounds: { type: "string" },
      payloads: { type: "string" },
      runtimes: { type: "string" },
      long: { type: "string" },
      floor: { type: "string" },
      feeder: { type: "string" },
      memory: { type: "string" },
      "deno-arg": { type: "string", multiple: true },
      script: { type: "string", multiple: true },
      cold: { type: "boolean" },
      "cold-starts": { type: "string" },
      "cold-functions": { type: "string" },
      "no-cold": { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(_USAGE);
    return 0;
  }
  const cold = () =>
    _cold(
      _count(values["cold-starts"], 5),
      values["cold-functions"]?.split(",").map((name) => name.trim()),
    );
  if (values.cold) return await cold();
  const light = values.smoke || values.quick;
  // Quick runs long enough for V8 to optimise the runtime's hot functions (the floors have far fewer).
  const invocations = _count(
    values.invocations,
    values.smoke ? 300 : values.quick ? 3000 : 20_000,
  );
  const rounds = _count(values.rounds, light ? 1 : 5);
  const long = _count(values.long, light ? 0 : 100_000, true);
  const floorName = values.floor ?? DEFAULT_FLOOR;
  const feeder = values.feeder ?? "raw";
  if (feeder !== "raw" && feeder !== "serve") {
    throw new TypeError(`--feeder is raw or serve, got "${feeder}"`);
  }
  const memory = _count(values.memory, 128);
  const denoArgs = values["deno-arg"] ?? [];
  const payloads = (values.payloads ??
    (values.smoke ? "100B" : "100B,256KB,1MB,5.5MB"))
    .split(",").map(parsePayloadSize);
  const runtimes = _select(values.runtimes, values.script ?? []);

  const passEnv: Record<string, string> = {};
  // OpenTelemetry's settings too, to measure a function with OTEL_DENO=true.
  for (
    const name of [
      "PATH",
      "HOME",
      "DENO_DIR",
      "XDG_CACHE_HOME",
      ...OTEL_VARIABLES,
    ]
  ) {
    const value = Deno.env.get(name);
    if (value !== undefined) passEnv[name] = value;
  }
  const base = { root: _ROOT, feeder, memory, denoArgs, passEnv } as const;
  const events = new Map(
    payloads.map((size) => [size.label, buildEvent(size.bytes)]),
  );
  const counts = new Map(
    payloads.map((size) => [size.label, _scaled(invocations, size)]),
  );
  let failures = 0;

  async function attempt(
    spec: RunSpec,
    what: string,
  ): Promise<RunResult | undefined> {
    try {
      const result = await runOnce(spec);
      _progress(`${what}: ${result.invocationsPerSecond.toFixed(0)} inv/s`);
      return result;
    } catch (error) {
      failures++;
      _progress(
        `${what}: FAILED ${error instanceof Error ? error.message : error}`,
      );
      return undefined;
    }
  }

  // Once each before measuring: the module cache is filled and the first spawn's cost is paid here.
  const small = buildEvent(100);
  for (const runtime of runtimes) {
    await attempt(
      { ...base, runtime, event: small, count: 50, warmup: 10 },
      `warm-up ${runtime.name}`,
    );
  }

  // Indexed by round, so that each run can be paired with the floor's of the same round.
  const results = new Map<string, (RunResult | undefined)[]>();
  for (let round = 0; round < rounds; round++) {
    for (const size of payloads) {
      // Rotated every round so that no runtime always runs right after the same one.
      const order = runtimes.map((_, i) =>
        runtimes[(i + round) % runtimes.length]
      );
      for (const runtime of order) {
        if (runtime.smallOnly && size.bytes > SMALL_PAYLOAD_BYTES) continue;
        const count = counts.get(size.label)!;
        const result = await attempt(
          {
            ...base,
            runtime,
            event: events.get(size.label)!,
            count,
            warmup: _warmup(count),
          },
          `round ${round + 1}/${rounds} ${size.label} ${runtime.name}`,
        );
        const key = `${runtime.name}\t${size.label}`;
        const runs = results.get(key) ?? Array(rounds).fill(undefined);
        runs[round] = result;
        results.set(key, runs);
      }
    }
  }

  const longResults = new Map<string, RunResult>();
  if (long > 0) {
    for (const runtime of runtimes) {
      const result = await attempt(
        {
          ...base,
          runtime,
          event: small,
          count: long,
          warmup: Math.max(1, Math.floor(long / 10)),
        },
        `long run ${runtime.name} (${long})`,
      );
      if (result !== undefined) longResults.set(runtime.name, result);
    }
  }

  const setup = {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    cpus: navigator.hardwareConcurrency,
    rounds,
    feeder,
    memory,
    denoArgs,
  };
  const lines: RuntimeFigures[] = runtimes.map((runtime) => {
    const line: RuntimeFigures = {
      bench: "@rtl/lambda",
      runtime: runtime.name,
      description: runtime.description,
      floor: floorName,
      payloads: {},
      setup,
    };
    for (const size of payloads) {
      const runs = results.get(`${runtime.name}\t${size.label}`);
      if (runs === undefined) continue;
      line.payloads[size.label] = summarise(
        runs,
        size.bytes,
        counts.get(size.label)!,
      );
    }
    const longRun = longResults.get(runtime.name);
    if (longRun !== undefined) {
      line.long = {
        invocations: long,
        invocationsPerSecond: longRun.invocationsPerSecond,
        rssWarmMB: longRun.rssWarmMB,
        rssEndMB: longRun.rssEndMB,
        rssGrowthMB: longRun.rssEndMB - longRun.rssWarmMB,
        peakRssMB: longRun.peakRssMB,
        errors: longRun.errors,
        completed: longRun.completed,
      };
    }
    return line;
  });
  compareToFloor(lines, floorName);
  console.error(
    `\n${
      formatTable(lines)
    }\n\n${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}, ` +
      `${rounds} round(s), medians; ×floor and +floor compare with ${floorName} in this run ` +
      `(ratios: the median of each round's ratio to ${floorName}'s run in that round).`,
  );
  for (const line of lines) console.log(JSON.stringify(line, _finite));
  const coldCode = light || values["no-cold"] ? 0 : await cold();
  return failures === 0 && coldCode === 0 ? 0 : 1;
}

async function _cold(
  starts: number,
  functions: string[] | undefined,
): Promise<number> {
  const lines = await runColdSuite({
    root: _ROOT,
    starts,
    functions,
    progress: _progress,
  });
  console.error(
    `\n${formatColdTable(lines)}\n\n${navigator.hardwareConcurrency} CPUs, ` +
      `Deno ${Deno.version.deno}, ${lines[0]?.setup.node ?? "no Node"}, ` +
      `medians of ${starts} starts; ×node is the first answer against Node's, ` +
      `cpu ms the CPU time (all threads) from spawn to the first answer, ` +
      `+floor the first /next against bare Deno's, on the same disk; ` +
      `cold disk: the runtime's files evicted from the page cache before each start, ` +
      `paged in MiB the binary's bytes in the page cache after it (fincore), ` +
      `faults the major page faults (each a wait for the disk), ` +
      `+warm the cold-disk answer minus the warm-disk one of the same round (median).`,
  );
  for (const line of lines) console.log(JSON.stringify(line, _finite));
  return lines.every((line) => line.failures === 0) ? 0 : 1;
}

function _select(
  list: string | undefined,
  scripts: readonly string[],
): BenchRuntime[] {
  const known = [...RUNTIMES];
  const yours: BenchRuntime[] = [];
  for (const script of scripts) {
    const equals = script.indexOf("=");
    if (equals < 1) {
      throw new TypeError(`--script is NAME=PATH, got "${script}"`);
    }
    const path = script.slice(equals + 1);
    // As a built bootstrap would run it: in the heap sized to the memory size.
    yours.push({
      name: script.slice(0, equals),
      description: `your script ${path}`,
      script: path,
      sizedHeap: true,
    });
  }
  known.push(...yours);
  if (list === undefined) return known;
  // A script named with --script is benched whether --runtimes lists it or not.
  const listed = list.split(",").map((name) => name.trim());
  const extra = yours.filter((runtime) => !listed.includes(runtime.name));
  return [
    ...listed.map((name) => {
      const runtime = known.find((candidate) => candidate.name === name);
      if (runtime === undefined) {
        throw new TypeError(
          `Unknown runtime "${name}"; known: ${
            known.map((r) => r.name).join(", ")
          }`,
        );
      }
      return runtime;
    }),
    ...extra,
  ];
}

function _count(
  text: string | undefined,
  fallback: number,
  zero = false,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < (zero ? 0 : 1)) {
    throw new TypeError(
      `Expected a whole number${zero ? "" : " above 0"}, got "${text}"`,
    );
  }
  return value;
}

function _scaled(invocations: number, size: PayloadSize): number {
  const factor = Math.min(1, 50_000 / size.bytes);
  return Math.max(Math.min(invocations, 30), Math.round(invocations * factor));
}

// A tenth of the run (V8 optimises a hot function after a few hundred calls), between 10 and 1000 invocations, never more than half.
function _warmup(count: number): number {
  return Math.max(
    1,
    Math.min(
      Math.floor(count / 2),
      Math.max(10, Math.min(1000, Math.floor(count / 10))),
    ),
  );
}

function _progress(text: string): void {
  console.error(text);
}

// NaN and Infinity are not JSON: they become null rather than disappearing into a string.
function _finite(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}
