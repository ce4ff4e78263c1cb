/**
 * One run: a fresh feeder, one runtime process spawned against it, the
 * figures read from the feeder and from `/proc`, then everything ended.
 *
 * @module
 */

import { type Feeder, type FeederOptions, startFeeder } from "./feeder.ts";
import { startServeFeeder } from "./feeder_serve.ts";
import { type ProcessSample, sampleProcess } from "./proc.ts";
import type { BenchRuntime } from "./runtimes.ts";
import { percentile } from "./stats.ts";
import { heapFlags } from "@rtl/lambda-local/sandbox";
import { denoExecutable } from "../build/command.ts";
import { watch } from "./watched.ts";

/** How to run one runtime once. */
export interface RunSpec {
  /** The runtime under test. */
  runtime: BenchRuntime;
  /** The project's root: the process's cwd and `LAMBDA_TASK_ROOT`. */
  root: string;
  /** The event every invocation receives. */
  event: Uint8Array<ArrayBuffer>;
  /** Invocations to serve. */
  count: number;
  /** Leading invocations left out of the figures. */
  warmup: number;
  /** Which feeder server: the raw socket one or `Deno.serve`. */
  feeder: "raw" | "serve";
  /** `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`. */
  memory: number;
  /** Extra `deno run` arguments placed before the script (`--v8-flags=…`). */
  denoArgs: readonly string[];
  /** Variables passed through from the bench's environment (PATH, HOME, DENO_DIR). */
  passEnv: Record<string, string>;
}

/** What one run measured. */
export interface RunResult {
  /** Measured invocations per second. */
  invocationsPerSecond: number;
  /** Median overhead, µs. */
  overheadP50Us: number;
  /** 99th percentile overhead, µs. */
  overheadP99Us: number;
  /** Spawn to first `/next`, ms. */
  coldStartMs: number;
  /** `VmHWM` at the end, MB. */
  peakRssMB: number;
  /** `VmRSS` after warm-up, MB. */
  rssWarmMB: number;
  /** `VmRSS` at the end, MB. */
  rssEndMB: number;
  /** CPU time of the runtime process per measured invocation, µs. */
  cpuUsPerInvocation: number;
  /** Outcomes received. */
  completed: number;
  /** Outcomes that were errors. */
  errors: number;
  /** Response bytes received in all. */
  responseBytes: number;
  /** Requests the feeder did not expect. */
  unexpected: number;
}

/** The runtime process failed or stalled; its last output is in the message. */
export class RunError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "RunError";
  }
}

const _MB = 1024 * 1024;

/**
 * Runs `spec.runtime` once against a fresh feeder and returns its figures.
 *
 * @example
 * ```ts ignore
 * import { runOnce } from "./runner.ts";
 * import { RUNTIMES } from "./runtimes.ts";
 *
 * const result = await runOnce({
 *   runtime: RUNTIMES[0], root: Deno.cwd(), event: new TextEncoder().encode("{}"),
 *   count: 1000, warmup: 100, feeder: "raw", memory: 128, denoArgs: [], passEnv: {},
 * });
 * ```
 */
export async function runOnce(spec: RunSpec): Promise<RunResult> {
  let pid = 0;
  let warm: Promise<ProcessSample | undefined> = Promise.resolve(undefined);
  const options: FeederOptions = {
    event: spec.event,
    count: spec.count,
    warmup: spec.warmup,
    onWarm: () => warm = sampleProcess(pid),
  };
  await using feeder: Feeder = spec.feeder === "serve"
    ? startServeFeeder(options)
    : startFeeder(options);
  const spawnedAt = performance.now();
  const child = new Deno.Command(denoExecutable(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-env",
      "--allow-net=127.0.0.1",
      ...spec.denoArgs,
      spec.runtime.script,
    ],
    cwd: spec.root,
    clearEnv: true,
    env: {
      ...spec.passEnv,
      NO_COLOR: "1",
      AWS_LAMBDA_RUNTIME_API: feeder.runtimeApi,
      AWS_LAMBDA_FUNCTION_NAME: "bench",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memory),
      AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/bench",
      AWS_LAMBDA_LOG_STREAM_NAME: "2025/03/10/[$LATEST]bench",
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      AWS_REGION: "us-east-1",
      LAMBDA_TASK_ROOT: spec.root,
      _HANDLER: "bench",
      ...(spec.runtime.sizedHeap
        ? { DENO_V8_FLAGS: heapFlags(spec.memory).join(",") }
        : {}),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  pid = child.pid;
  await using watched = watch(child);
  const result = await watched.race(
    feeder.done,
    60_000 + spec.count * 2,
    (message) => new RunError(`${spec.runtime.name} ${message}`),
  );
  const end = await sampleProcess(pid);
  const warmSample = await warm;
  const firstNextAt = await feeder.firstNext;
  const measured = result.overheadsUs.length;
  return {
    invocationsPerSecond: measured / result.measuredSeconds,
    overheadP50Us: percentile(result.overheadsUs, 50),
    overheadP99Us: percentile(result.overheadsUs, 99),
    coldStartMs: firstNextAt - spawnedAt,
    peakRssMB: (end?.peakRssBytes ?? NaN) / _MB,
    rssWarmMB: (warmSample?.rssBytes ?? NaN) / _MB,
    rssEndMB: (end?.rssBytes ?? NaN) / _MB,
    cpuUsPerInvocation: end && warmSample
      ? ((end.cpuMs - warmSample.cpuMs) * 1000) / measured
      : NaN,
    completed: result.completed,
    errors: result.errors,
    responseBytes: result.responseBytes,
    unexpected: result.unexpected,
  };
}
