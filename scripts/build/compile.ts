/**
 * Compile mode: `deno compile --target …` turns the function into one
 * `bootstrap` binary with its permissions baked in.
 *
 * @module
 */

import { runCommand } from "./command.ts";
import {
  BuildError,
  DenortUnavailableError,
  StepFailedError,
} from "./errors.ts";
import { isExecutableFor, type Target } from "./targets.ts";

/**
 * What {@linkcode compileCommand} needs.
 *
 * @example
 * ```ts
 * import type { CompileCommandOptions } from "./compile.ts";
 * import { TARGETS } from "./targets.ts";
 *
 * const options: CompileCommandOptions = {
 *   entry: "main.ts",
 *   target: TARGETS.arm64,
 *   output: "dist/arm64/bootstrap",
 *   permissions: ["--allow-net=127.0.0.1"],
 * };
 * ```
 */
export interface CompileCommandOptions {
  /** The Deno executable; default `deno`. */
  deno?: string;
  /** The function's entry module. */
  entry: string;
  /** The architecture to compile for. */
  target: Target;
  /** Where to write the binary. */
  output: string;
  /** Extra files and folders to embed (`--include`). */
  include?: readonly string[];
  /** The function's permission flags, from `permissionFlags`. */
  permissions: readonly string[];
  /** V8 flags baked into the binary (a compiled binary ignores `DENO_V8_FLAGS`), e.g. `heapFlags(128)`. */
  v8Flags?: readonly string[];
}

/**
 * The exact `deno compile` command line, program first. The build has
 * type-checked the entry already, hence `--no-check`; `--no-prompt` makes a
 * missing permission fail at once instead of waiting for an answer nobody
 * can give on Lambda.
 *
 * @example
 * ```ts
 * import { compileCommand } from "./compile.ts";
 * import { TARGETS } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   compileCommand({
 *     entry: "main.ts",
 *     target: TARGETS.x64,
 *     output: "dist/x64/bootstrap",
 *     include: ["data.json"],
 *     permissions: ["--allow-net=127.0.0.1"],
 *   }),
 *   [
 *     "deno", "compile", "--no-check", "--target", "x86_64-unknown-linux-gnu",
 *     "--output", "dist/x64/bootstrap", "--no-prompt", "--allow-net=127.0.0.1",
 *     "--include", "data.json", "main.ts",
 *   ],
 * );
 * ```
 */
export function compileCommand(options: CompileCommandOptions): string[] {
  return [
    options.deno ?? "deno",
    "compile",
    "--no-check",
    "--target",
    options.target.triple,
    "--output",
    options.output,
    "--no-prompt",
    ...(options.v8Flags?.length
      ? [`--v8-flags=${options.v8Flags.join(",")}`]
      : []),
    ...options.permissions,
    ...(options.include ?? []).flatMap((path) => ["--include", path]),
    options.entry,
  ];
}

/**
 * Where `deno compile` keeps the `denort` it downloaded for a target:
 * `<DENO_DIR>/dl/release/v<version>/denort-<triple>.zip`.
 *
 * @example
 * ```ts
 * import { denortCachePath } from "./compile.ts";
 * import { TARGETS } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   denortCachePath("/home/me/.cache/deno", TARGETS.arm64, "2.9.6"),
 *   "/home/me/.cache/deno/dl/release/v2.9.6/denort-aarch64-unknown-linux-gnu.zip",
 * );
 * ```
 */
export function denortCachePath(
  denoDir: string,
  target: Target,
  version: string = Deno.version.deno,
): string {
  return `${denoDir}/dl/release/v${version}/denort-${target.triple}.zip`;
}

/**
 * Whether `deno compile` can work for `target` without a download:
 * `DENORT_BIN` names a denort for it, or one is in Deno's cache.
 *
 * @example
 * ```ts ignore
 * import { denortAvailable } from "./compile.ts";
 * import { TARGETS } from "./targets.ts";
 *
 * console.log(await denortAvailable(TARGETS.x64));
 * ```
 */
export async function denortAvailable(
  target: Target,
  deno = "deno",
): Promise<boolean> {
  const bin = Deno.env.get("DENORT_BIN");
  if (bin) return await isExecutableFor(bin, target);
  const info = await runCommand(deno, ["info", "--json"]);
  if (info.code !== 0) return false;
  try {
    const denoDir = JSON.parse(info.stdout).denoDir as string;
    return (await Deno.stat(denortCachePath(denoDir, target))).isFile;
  } catch {
    return false;
  }
}

/**
 * When `DENORT_BIN` is set, checks that it is a Linux executable for
 * `target` (a denort for another architecture would make a binary Lambda
 * cannot start); throws {@linkcode BuildError} otherwise.
 *
 * @example
 * ```ts ignore
 * import { checkDenortBin } from "./compile.ts";
 * import { TARGETS } from "./targets.ts";
 *
 * await checkDenortBin(TARGETS.arm64);
 * ```
 */
export async function checkDenortBin(target: Target): Promise<void> {
  const denort = Deno.env.get("DENORT_BIN");
  if (denort && !(await isExecutableFor(denort, target))) {
    throw new BuildError(
      `DENORT_BIN=${denort} is not a Linux ${target.denoArch} executable, ` +
        `so it cannot be the base of a ${target.triple} binary: point it at ` +
        `the denort for ${target.triple}, unset it, or build with --portable`,
    );
  }
}

/**
 * Runs {@linkcode compileCommand}. `DENORT_BIN`, when set, reaches
 * `deno compile` unchanged, after a check that it is a binary for the
 * target. Throws {@linkcode DenortUnavailableError} when the denort
 * download fails, {@linkcode StepFailedError} for any other failure.
 *
 * @example
 * ```ts ignore
 * import { compile } from "./compile.ts";
 * import { TARGETS } from "./targets.ts";
 *
 * await compile({ entry: "main.ts", target: TARGETS.arm64, output: "dist/arm64/bootstrap", permissions: [] });
 * ```
 */
export async function compile(options: CompileCommandOptions): Promise<void> {
  await checkDenortBin(options.target);
  const denort = Deno.env.get("DENORT_BIN");
  const [program, ...args] = compileCommand(options);
  const result = await runCommand(program, args);
  if (result.code === 0) return;
  if (!denort && /denort-/.test(result.stderr)) {
    throw new DenortUnavailableError(
      options.target.triple,
      Deno.version.deno,
      _rootCause(result.stderr),
    );
  }
  throw new StepFailedError("deno compile", result.code, result.stderr);
}

/** The innermost cause of Deno's error chain ("Caused by: … N: cause"), or its first line. */
function _rootCause(stderr: string): string {
  const text = stderr.split(/\n\s*Stack backtrace:/)[0];
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  const causes = lines.slice(lines.indexOf("Caused by:") + 1).filter((line) =>
    /^\d+: /.test(line)
  );
  const cause = causes.at(-1) ?? lines[0] ?? "no output";
  return cause.replace(/^\d+: /, "").replace(/^error: /, "");
}
