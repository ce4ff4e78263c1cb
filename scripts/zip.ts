/**
 * Packs a `bootstrap` and any other files into the `function.zip` Lambda
 * takes: deflated, with Unix modes recorded (`bootstrap` always 0755, or
 * Lambda refuses to start it), fixed timestamps and sorted entries, so the
 * same files always give the same bytes.
 *
 * ```sh
 * deno task zip --root dist/x64 --output dist/x64/function.zip bootstrap
 * ```
 *
 * @example
 * ```ts
 * import { createZip } from "./zip.ts";
 * import assert from "node:assert/strict";
 *
 * const files = [{ name: "bootstrap", data: new TextEncoder().encode("#!/bin/sh\n") }];
 * assert.deepEqual(createZip(files), createZip(files));
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type Zippable, zipSync } from "npm:fflate@0.8.2";
import { LambdaRuntimeError } from "@rtl/lambda/runtime";
import { formatBytes, formatSeconds } from "./build/progress.ts";

// The errors' base class, so that the documented API is complete.
export { LambdaRuntimeError };

/**
 * One file to put in the archive.
 *
 * @example
 * ```ts
 * import type { ZipInput } from "./zip.ts";
 *
 * const input: ZipInput = { name: "data/config.json", data: new Uint8Array(), executable: false };
 * ```
 */
export interface ZipInput {
  /** The path inside the archive: relative, `/`-separated, no `..`. */
  name: string;
  /** The file's bytes. */
  data: Uint8Array;
  /** Recorded as mode 0755 when true, 0644 otherwise; `bootstrap` is always 0755. */
  executable?: boolean;
}

/**
 * Options of {@linkcode createZip}.
 *
 * @example
 * ```ts
 * import type { CreateZipOptions } from "./zip.ts";
 *
 * const fastest: CreateZipOptions = { level: 1 };
 * ```
 */
export interface CreateZipOptions {
  /** Deflate level, 0 (store) to 9; default 6, which is within 0.1% of 9 on a Deno binary at half the time. */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

/**
 * A file list {@linkcode createZip} or {@linkcode zipFiles} refuses: a bad
 * or duplicate name, or a path that is not a readable file.
 *
 * @example
 * ```ts
 * import { createZip } from "./zip.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => createZip([{ name: "../x", data: new Uint8Array() }]), {
 *   name: "ZipInputError",
 * });
 * ```
 */
export class ZipInputError extends LambdaRuntimeError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ZipInputError";
  }
}

/** The earliest time a zip entry can carry, as local time: fflate writes local fields, so any zone reads it back the same. */
const _FIXED_TIME = new Date(1980, 0, 1, 0, 0, 0);
/** "Made by" Unix, so readers (Lambda included) take the mode from the high 16 bits of the external attributes. */
const _UNIX = 3;
const _REGULAR_FILE = 0o100000;

/**
 * Builds a deterministic zip archive from files in memory: entries sorted by
 * name (integer-like names such as `10` first, in numeric order, as
 * JavaScript objects keep them), every timestamp 1980-01-01 00:00, Unix modes
 * 0755 or 0644, deflate.
 *
 * @example `bootstrap` is recorded as executable
 * ```ts
 * import { createZip } from "./zip.ts";
 * import assert from "node:assert/strict";
 *
 * const zip = createZip([
 *   { name: "main.js", data: new TextEncoder().encode("console.log(1)") },
 *   { name: "bootstrap", data: new TextEncoder().encode("#!/bin/sh\n") },
 * ]);
 * assert.equal(new DataView(zip.buffer).getUint32(0, true), 0x04034b50);
 * ```
 */
export function createZip(
  files: readonly ZipInput[],
  options: CreateZipOptions = {},
): Uint8Array {
  const sorted = [...files].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  );
  const archive: Zippable = {};
  for (const file of sorted) {
    _checkName(file.name);
    if (Object.hasOwn(archive, file.name)) {
      throw new ZipInputError(`"${file.name}" is listed twice`);
    }
    const executable = file.executable === true || file.name === "bootstrap";
    const mode = _REGULAR_FILE | (executable ? 0o755 : 0o644);
    archive[file.name] = [file.data, {
      level: options.level ?? 6,
      mtime: _FIXED_TIME,
      os: _UNIX,
      attrs: mode << 16 >>> 0,
    }];
  }
  return zipSync(archive);
}

/**
 * The order {@linkcode createZip} writes entries in: sorted, except that
 * integer-like names come first in numeric order (fflate takes an object).
 *
 * @example
 * ```ts
 * import { archiveOrder } from "./zip.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(archiveOrder(["main.js", "10", "bootstrap", "9"]), ["9", "10", "bootstrap", "main.js"]);
 * ```
 */
export function archiveOrder(names: readonly string[]): string[] {
  const sorted = [...names].sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  return Object.keys(Object.fromEntries(sorted.map((name) => [name, true])));
}

/**
 * Options of {@linkcode zipFiles}.
 *
 * @example
 * ```ts
 * import type { ZipFilesOptions } from "./zip.ts";
 *
 * const options: ZipFilesOptions = { root: "dist/x64", output: "dist/x64/function.zip" };
 * ```
 */
export interface ZipFilesOptions extends CreateZipOptions {
  /** The directory the paths are relative to, and the archive's root; default the current directory. */
  root?: string;
  /** Where to write the archive. */
  output: string;
}

/**
 * What {@linkcode zipFiles} wrote.
 *
 * @example
 * ```ts
 * import type { ZipSummary } from "./zip.ts";
 *
 * const summary: ZipSummary = {
 *   output: "function.zip",
 *   entries: ["bootstrap"],
 *   zippedBytes: 1000,
 *   unzippedBytes: 4000,
 * };
 * ```
 */
export interface ZipSummary {
  /** The archive's path. */
  output: string;
  /** The entries, in archive order. */
  entries: string[];
  /** The archive's size in bytes. */
  zippedBytes: number;
  /** The sum of the entries' sizes in bytes. */
  unzippedBytes: number;
}

/**
 * Zips files and directories (recursively) under `root` into `output`. A
 * file keeps its executable bit as 0755, otherwise 0644; `bootstrap` is
 * always 0755. Symbolic links are followed.
 *
 * @example
 * ```ts
 * import { zipFiles } from "./zip.ts";
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * try {
 *   await Deno.writeTextFile(`${root}/bootstrap`, "#!/bin/sh\necho hi\n");
 *   const summary = await zipFiles(["bootstrap"], { root, output: `${root}/function.zip` });
 *   assert.deepEqual(summary.entries, ["bootstrap"]);
 * } finally {
 *   await Deno.remove(root, { recursive: true });
 * }
 * ```
 */
export async function zipFiles(
  paths: readonly string[],
  options: ZipFilesOptions,
): Promise<ZipSummary> {
  const root = options.root ?? ".";
  const files: ZipInput[] = [];
  for (const path of paths) {
    await _collect(root, _relative(path), files);
  }
  const bytes = createZip(files, options);
  await Deno.writeFile(options.output, bytes);
  return {
    output: options.output,
    entries: archiveOrder(files.map((file) => file.name)),
    zippedBytes: bytes.length,
    unzippedBytes: files.reduce((sum, file) => sum + file.data.length, 0),
  };
}

/**
 * The `zip` task: `zip.ts [--root DIR] [--output FILE] PATH...`. Returns
 * the exit code.
 *
 * @example
 * ```ts ignore
 * import { main } from "./zip.ts";
 *
 * Deno.exit(await main(["--root", "dist/x64", "--output", "dist/x64/function.zip", "bootstrap"]));
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        root: { type: "string", default: "." },
        output: { type: "string", short: "o", default: "function.zip" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    console.error(`zip: ${(error as Error).message}\n${_USAGE}`);
    return 2;
  }
  if (parsed.values.help || parsed.positionals.length === 0) {
    console.error(_USAGE);
    return parsed.values.help ? 0 : 2;
  }
  try {
    const started = performance.now();
    const summary = await zipFiles(parsed.positionals, {
      root: parsed.values.root,
      output: parsed.values.output,
    });
    console.error(
      `compress ${summary.output}: ${summary.entries.length} files, ` +
        `${formatBytes(summary.zippedBytes)} from ${
          formatBytes(summary.unzippedBytes)
        } in ${formatSeconds(performance.now() - started)}`,
    );
    return 0;
  } catch (error) {
    console.error(`zip: ${(error as Error).message}`);
    return 1;
  }
}

const _USAGE =
  "usage: deno task zip [--root DIR] [--output FILE] PATH...  (paths relative to --root)";

function _checkName(name: string): void {
  const parts = name.split("/");
  if (
    name === "" || name.startsWith("/") || name.includes("\\") ||
    parts.some((part) => part === "" || part === "." || part === "..")
  ) {
    throw new ZipInputError(
      `"${name}" cannot be an entry name: use a relative path with / and no . or ..`,
    );
  }
}

function _relative(path: string): string {
  return path.replaceAll("\\", "/").replace(/^(\.\/)+/, "").replace(
    /\/+$/,
    "",
  );
}

async function _collect(
  root: string,
  name: string,
  into: ZipInput[],
): Promise<void> {
  _checkName(name);
  const path = `${root}/${name}`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new ZipInputError(
      `cannot read ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (info.isDirectory) {
    const names: string[] = [];
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
    for (const child of names.sort()) {
      await _collect(root, `${name}/${child}`, into);
    }
    return;
  }
  if (!info.isFile) {
    throw new ZipInputError(`${path} is neither a file nor a directory`);
  }
  into.push({
    name,
    data: await Deno.readFile(path),
    executable: ((info.mode ?? 0) & 0o111) !== 0,
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));
