// The CLI's durable settings: the engine's time (--durable-time) and where its executions are kept
// (--durable-state-dir; by default a folder per address under the temporary folder, so a restart on
// the same port resumes what was running; with --port 0, in memory).
import type { DurableOptions } from "./control_plane.ts";
import type { CliOptions } from "./_cli_options.ts";
import { readProcessEnv } from "./_cli_options.ts";

/** The durable engine's options from the command line. */
export function durableOptionsOf(options: CliOptions): DurableOptions {
  const { flags } = options;
  return {
    time: flags["durable-time"],
    stateDir: flags["durable-state-dir"] ?? _defaultDir(flags.host, flags.port),
  };
}

function _defaultDir(host: string, port: number): string | undefined {
  if (port === 0) return undefined;
  const tmp = readProcessEnv("TMPDIR") || "/tmp";
  return `${tmp}/rtl-lambda-durable/${
    host.replace(/[^A-Za-z0-9.-]/g, "_")
  }-${port}`;
}

/** The lines the banner adds about the durable engine. */
export function durableBanner(durable: DurableOptions): string {
  return `Durable executions: ${
    durable.stateDir === undefined
      ? "kept in memory (--durable-state-dir DIR keeps them across restarts)"
      : `kept in ${durable.stateDir}`
  }; time ${durable.time}${
    durable.time === "fast"
      ? " (every wait and retry delay fires at once)"
      : " (--durable-time fast skips waits)"
  }`;
}
