/**
 * One cold start: a fresh feeder serving one invocation, a fresh empty
 * `DENO_DIR` and `TMPDIR`, the process spawned, spawn → first `/next` and
 * spawn → first answer taken, then everything ended and removed.
 *
 * @module
 */

import { startFeeder } from "./feeder.ts";
import { watch } from "./watched.ts";

/** How to start a function once. */
export interface StartSpec {
  /** The executable (`bootstrap`, `deno`, `node`). */
  command: string;
  /** Its arguments. */
  args: readonly string[];
  /** The task root: the cwd and `LAMBDA_TASK_ROOT`. */
  root: string;
  /** The event of the one invocation. */
  event: Uint8Array<ArrayBuffer>;
  /** `_HANDLER`. */
  handler?: string;
  /** Extra variables (`PATH`). */
  env?: Record<string, string>;
}

/** What one start measured, in ms from spawn. */
export interface StartResult {
  /** Spawn → the first `GET /next` arrived. */
  firstNextMs: number;
  /** Spawn → the first outcome was read whole. */
  firstAnswerMs: number;
  /** Whether the outcome was an error. */
  error: boolean;
  /**
   * CPU time the process spent from spawn to the first answer, all threads,
   * ms (Linux `/proc`; `NaN` elsewhere): unlike wall time, it holds on a
   * shared, loaded machine.
   */
  cpuMs: number;
  /**
   * Major page faults from spawn to the first answer, all threads (Linux
   * `/proc`; `NaN` elsewhere): each waited for a read from disk.
   */
  majorFaults: number;
}

/** The function exited or stalled before answering; its last output is in the message. */
export class StartError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "StartError";
  }
}

/**
 * Starts `spec` once with an empty cache and temp folder.
 *
 * @example
 * ```ts ignore
 * const { firstNextMs } = await startOnce({ command: "/task/bootstrap", args: [], root: "/task", event });
 * ```
 */
export async function startOnce(spec: StartSpec): Promise<StartResult> {
  const tmp = await Deno.makeTempDir({ prefix: "rtl-cold-tmp-" });
  try {
    await using feeder = startFeeder({
      event: spec.event,
      count: 1,
      warmup: 0,
    });
    const spawnedAt = performance.now();
    const child = new Deno.Command(spec.command, {
      args: [...spec.args],
      cwd: spec.root,
      clearEnv: true,
      env: {
        NO_COLOR: "1",
        AWS_LAMBDA_FUNCTION_NAME: "bench",
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
        AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/bench",
        AWS_LAMBDA_LOG_STREAM_NAME: "2025/03/10/[$LATEST]bench",
        AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
        AWS_REGION: "us-east-1",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "bench",
        AWS_SECRET_ACCESS_KEY: "bench",
        _HANDLER: spec.handler ?? "bench",
        // The function's own variables (endpoints, credentials) go over the defaults above.
        ...spec.env,
        TMPDIR: tmp,
        // What the bootstrap's default /tmp/deno is on a fresh sandbox: empty.
        DENO_DIR: `${tmp}/deno`,
        AWS_LAMBDA_RUNTIME_API: feeder.runtimeApi,
        LAMBDA_TASK_ROOT: spec.root,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    await using watched = watch(child);
    const result = await watched.race(
      feeder.done,
      30_000,
      (message) => new StartError(`${spec.command} ${message}`),
    );
    const answeredAt = performance.now();
    return {
      firstNextMs: (await feeder.firstNext) - spawnedAt,
      firstAnswerMs: answeredAt - spawnedAt,
      error: result.errors > 0,
      cpuMs: await processCpuMs(child.pid),
      majorFaults: await processMajorFaults(child.pid),
    };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/**
 * The CPU time a live process has used so far, all its threads, in ms: the
 * first field (nanoseconds on CPU) of each thread's `schedstat` under
 * `/proc`, read by `sh` (Deno asks for every permission to read another
 * process's `/proc` entries); `NaN` where there is no such file.
 *
 * @example
 * ```ts ignore
 * const used = await processCpuMs(child.pid);
 * ```
 */
export async function processCpuMs(pid: number): Promise<number> {
  if (!Number.isInteger(pid)) return NaN;
  const output = await new Deno.Command("sh", {
    args: ["-c", `cat /proc/${pid}/task/*/schedstat`],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  if (output === undefined || !output.success) return NaN;
  let nanoseconds = 0;
  for (const line of new TextDecoder().decode(output.stdout).split("\n")) {
    nanoseconds += Number(line.split(" ")[0]) || 0;
  }
  return nanoseconds / 1e6;
}

/**
 * The major page faults of a live process so far, all its threads: field 12
 * of `/proc/<pid>/stat`, read by `sh` as {@linkcode processCpuMs} reads its
 * CPU time; `NaN` where there is no such file.
 *
 * @example
 * ```ts ignore
 * const faults = await processMajorFaults(child.pid);
 * ```
 */
export async function processMajorFaults(pid: number): Promise<number> {
  if (!Number.isInteger(pid)) return NaN;
  const output = await new Deno.Command("sh", {
    args: ["-c", `cat /proc/${pid}/stat`],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  if (output === undefined || !output.success) return NaN;
  const text = new TextDecoder().decode(output.stdout);
  // The command's name may hold spaces: fields are counted after its closing parenthesis (field 3 first).
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return Number(fields[12 - 3]);
}
