/**
 * What Linux says about a process: resident memory (current and peak) from
 * `/proc/<pid>/status`, CPU time from `/proc/<pid>/stat`.
 *
 * @module
 */

/** A snapshot of one process's memory and CPU use. */
export interface ProcessSample {
  /** `VmRSS`: resident set size now, in bytes. */
  rssBytes: number;
  /** `VmHWM`: the peak resident set size so far, in bytes. */
  peakRssBytes: number;
  /** User + system CPU time of all its threads, in milliseconds. */
  cpuMs: number;
}

// Linux reports stat times in USER_HZ ticks, 100 per second on every common build.
const _TICK_MS = 10;

/**
 * Reads `pid`'s memory and CPU use; `undefined` when the process is gone or
 * `/proc` is not there (not Linux). Deno lets only `--allow-all` read
 * `/proc/<pid>`, so `cat` reads it: the bench needs `--allow-run=cat`.
 *
 * @example
 * ```ts ignore
 * import { sampleProcess } from "./proc.ts";
 *
 * const sample = await sampleProcess(Deno.pid);
 * console.log(sample?.peakRssBytes);
 * ```
 */
export async function sampleProcess(
  pid: number,
): Promise<ProcessSample | undefined> {
  let text: string;
  try {
    const output = await new Deno.Command("cat", {
      args: [`/proc/${pid}/status`, `/proc/${pid}/stat`],
      stdin: "null",
      stderr: "null",
    }).output();
    if (!output.success) return undefined;
    text = new TextDecoder().decode(output.stdout);
  } catch {
    return undefined;
  }
  // stat is the last line; its command name may hold spaces, so fields are counted after its ")".
  const stat = text.slice(text.lastIndexOf("\n", text.length - 2) + 1);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    rssBytes: _kilobytes(text, "VmRSS") * 1024,
    peakRssBytes: _kilobytes(text, "VmHWM") * 1024,
    cpuMs: (Number(fields[11]) + Number(fields[12])) * _TICK_MS,
  };
}

function _kilobytes(status: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) : NaN;
}
