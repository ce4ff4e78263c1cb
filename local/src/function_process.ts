/**
 * The function as a child process: started with Lambda's environment, its
 * output split into lines, its memory read from `/proc`, killed on demand.
 *
 * @module
 */

import type { Freezer } from "./freezer.ts";
import type { MemoryGroup } from "./memory.ts";
import { sandboxedCommand } from "./permissions/grants.ts";
import { ownPorts } from "./permissions/own_ports.ts";

/**
 * Where a line of output came from: the function's `stdout` or `stderr`,
 * or the emulator's own `platform` lines (`START`, `END`, `REPORT`, …).
 *
 * @example
 * ```ts
 * import type { OutputSource } from "@rtl/lambda-local";
 *
 * const source: OutputSource = "platform";
 * ```
 */
export type OutputSource = "stdout" | "stderr" | "platform";

/**
 * Receives every line the function writes, and the emulator's own lines,
 * one call a line, without the newline.
 *
 * @example
 * ```ts
 * import type { OutputSink } from "@rtl/lambda-local";
 *
 * const reports: string[] = [];
 * const output: OutputSink = (line, source) => {
 *   if (source === "platform" && line.startsWith("REPORT")) reports.push(line);
 * };
 * ```
 */
export type OutputSink = (line: string, source: OutputSource) => void;

/** How to start the function. */
export interface FunctionProcessOptions {
  /** The command line: an executable and its arguments. */
  command: string[];
  /** The working directory (the task root). */
  cwd?: string;
  /** The complete environment of the process. */
  env: Record<string, string>;
  /** Receives each line the process writes. */
  output: OutputSink;
  /** The memory cgroup to run in (its peak is the process's); closed when the process exits. */
  memory?: MemoryGroup;
  /** The sandbox's freezer, whose group the process joins before it starts. */
  freezer?: Freezer;
}

/** A running function process. */
export interface FunctionProcess {
  /** The operating system's process id. */
  readonly pid: number;
  /** Resolves with the exit status once the process is gone and its output read. */
  readonly exited: Promise<Deno.CommandStatus>;
  /** Kills the process and everything it started (SIGKILL unless told otherwise). */
  kill(signal?: Deno.Signal): void;
  /** Peak resident memory of the process, in bytes; 0 when it cannot be read. */
  peakMemory(): Promise<number>;
}

const _SETSID = _findSetsid();

/**
 * Starts the function process, in a session of its own where `setsid` is
 * there so that a kill reaches whatever it started (a shell `bootstrap`'s
 * `deno`). Throws a clear error when the executable cannot be started.
 */
export function startFunctionProcess(
  options: FunctionProcessOptions,
): FunctionProcess {
  // The function gets its Runtime API's port and its OTLP receiver's, never the emulator's other ports.
  const sandboxed = sandboxedCommand(
    options.command,
    options.env,
    ownPorts.deniedTo(
      options.env.AWS_LAMBDA_RUNTIME_API,
      options.env.OTEL_EXPORTER_OTLP_ENDPOINT,
    ),
  );
  const command = _SETSID === undefined
    ? sandboxed.command
    : [_SETSID, ...sandboxed.command];
  const join = options.freezer?.join ?? "";
  const [executable, ...args] = options.memory?.wrap(
    command,
    join === "" ? undefined : { before: join },
  ) ?? options.freezer?.wrap(command) ?? command;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(executable, {
      args,
      cwd: options.cwd,
      env: sandboxed.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    throw new Error(
      `Could not start the function (${options.command.join(" ")}): ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  const pid = child.pid;
  const reading = Promise.all([
    _lines(child.stdout, (line) => options.output(line, "stdout")),
    _lines(child.stderr, (line) => options.output(line, "stderr")),
  ]);
  const exited = child.status.then(async (status) => {
    await reading;
    await options.memory?.close();
    return status;
  });
  let alive = true;
  child.status.then(() => alive = false);
  let peak = 0;
  return {
    pid,
    exited,
    kill(signal: Deno.Signal = "SIGKILL") {
      if (!alive) return;
      try {
        if (_SETSID === undefined) return child.kill(signal);
        Deno.kill(-pid, signal);
        return;
      } catch {
        // No group yet (setsid has not run): the process itself is signalled below.
      }
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
    },
    // The high-water mark only grows: the last reading stands once the process is gone.
    peakMemory: async () => {
      if (options.memory !== undefined) return await options.memory.peak(pid);
      if (alive) peak = Math.max(peak, await _peakMemory(pid));
      return peak;
    },
  };
}

async function _lines(
  stream: ReadableStream<Uint8Array>,
  emit: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  try {
    for await (const chunk of stream) {
      const text = rest + decoder.decode(chunk, { stream: true });
      const lines = text.split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) emit(line);
    }
  } catch {
    // The pipe broke with the process; what was read is reported.
  }
  rest += decoder.decode();
  if (rest !== "") emit(rest);
}

function _findSetsid(): string | undefined {
  for (const path of ["/usr/bin/setsid", "/bin/setsid"]) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

// Deno lets only --allow-all read another process's /proc entry, so a reader process does it.
async function _peakMemory(pid: number): Promise<number> {
  try {
    const { stdout } = await new Deno.Command("cat", {
      args: [`/proc/${pid}/status`],
      stdout: "piped",
      stderr: "null",
    }).output();
    const match = /^VmHWM:\s+(\d+) kB/m.exec(new TextDecoder().decode(stdout));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
