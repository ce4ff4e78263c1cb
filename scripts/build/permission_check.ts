/**
 * The build's check that Deno accepts the function's permission flags, run
 * before anything is built.
 *
 * @module
 */

import { runCommand } from "./command.ts";
import { InvalidPermissionError } from "./errors.ts";

/**
 * Starts `deno` once with `flags` on an empty module, so that a descriptor
 * Deno refuses (`--allow-sys=ca`) fails the build instead of the deployed
 * function. Throws {@linkcode InvalidPermissionError}.
 *
 * @example
 * ```ts ignore
 * import { checkPermissionFlags } from "./permission_check.ts";
 *
 * await checkPermissionFlags("deno", ["--allow-sys=osRelease"]);
 * ```
 */
export async function checkPermissionFlags(
  deno: string,
  flags: readonly string[],
): Promise<void> {
  const result = await runCommand(deno, [
    "run",
    "--no-config",
    "--no-lock",
    "--no-prompt",
    ...flags,
    "data:text/javascript,",
  ]);
  if (result.code !== 0) {
    // Deno's first line says what it refused; the rest is a backtrace.
    const reason = result.stderr.split("\n").find((line) =>
      line.startsWith("error:")
    ) ?? result.stderr.split("\n\n")[0];
    throw new InvalidPermissionError(flags, reason.replace(/^error: /, ""));
  }
}
