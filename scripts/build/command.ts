/**
 * Runs the build's tools (`deno check`, `deno bundle`, `deno compile`,
 * `npm pack`, `tar`) as processes and keeps what they print.
 *
 * @module
 */

/**
 * A finished process: its exit code and its output as text.
 *
 * @example
 * ```ts
 * import type { CommandResult } from "./command.ts";
 *
 * const result: CommandResult = { code: 0, stdout: "", stderr: "" };
 * ```
 */
export interface CommandResult {
  /** The exit code. */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/**
 * Runs `command args…` to completion with colours off, and returns its exit
 * code and output. Throws only when the program cannot be started.
 *
 * @example
 * ```ts ignore
 * import { runCommand } from "./command.ts";
 *
 * const { code, stdout } = await runCommand("npm", ["--version"]);
 * ```
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<CommandResult> {
  const output = await new Deno.Command(command, {
    args: [...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * The Deno executable to run the build's steps with: the running one when
 * the build may start it, otherwise `deno` from `PATH` (an `--allow-run=deno`
 * grant names the `PATH` entry, which can be a link to the running binary).
 *
 * @example
 * ```ts ignore
 * import { denoExecutable } from "./command.ts";
 *
 * console.log(denoExecutable());
 * ```
 */
export function denoExecutable(): string {
  try {
    const path = Deno.execPath();
    const state = Deno.permissions.querySync({ name: "run", command: path })
      .state;
    if (state === "granted") return path;
  } catch {
    // No read access to learn the path: PATH's deno is the one allowed.
  }
  return "deno";
}
