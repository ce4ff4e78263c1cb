/**
 * Portable mode, which needs no `denort`: the Deno CLI binary for the target
 * (from npm, or the running one), the function bundled into `main.js`, and a
 * shell `bootstrap` that runs one with the other.
 *
 * @module
 */

import { resolve } from "node:path";
import { minify } from "npm:terser@5.51.4";
import { runCommand } from "./command.ts";
import { DenoBinaryUnavailableError, StepFailedError } from "./errors.ts";
import { isExecutableFor, type Target } from "./targets.ts";
import { denoLookupLines } from "./layer.ts";
import {
  DENY_NET_WORD,
  heapScript,
  otelShellLines,
  shellPermissionWord,
} from "@rtl/lambda-local/sandbox";

/**
 * The file names portable mode puts beside `bootstrap`.
 *
 * @example
 * ```ts
 * import { PORTABLE_FILES } from "./portable.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(PORTABLE_FILES.bundle, "main.js");
 * ```
 */
export const PORTABLE_FILES: {
  bundle: string;
  map: string;
  deno: string;
  cache: string;
} = {
  bundle: "main.js",
  map: "main.js.map",
  deno: "deno",
  cache: ".deno",
};

/**
 * The flags `deno run` gets before the permissions: no config, lock file,
 * remote module or npm package is looked for, so nothing at start needs the
 * network or a file beside the code.
 *
 * @example
 * ```ts
 * import { PORTABLE_RUN_FLAGS } from "./portable.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(PORTABLE_RUN_FLAGS.includes("--no-remote"));
 * ```
 */
export const PORTABLE_RUN_FLAGS: readonly string[] = [
  "--no-config",
  "--no-lock",
  "--no-remote",
  "--no-npm",
  "--no-prompt",
];

/**
 * Where Deno's cache goes when the environment does not say: Lambda's task
 * root is read-only and `/tmp` is the one writable place.
 *
 * @example
 * ```ts
 * import { DEFAULT_DENO_DIR } from "./portable.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(DEFAULT_DENO_DIR.startsWith("/tmp/"));
 * ```
 */
export const DEFAULT_DENO_DIR: string = "/tmp/deno";

/**
 * The arguments `bootstrap` passes to the Deno binary for code in `root`,
 * for running the same thing another way (under an emulator like qemu).
 *
 * @example
 * ```ts
 * import { portableRunArgs } from "./portable.ts";
 * import assert from "node:assert/strict";
 *
 * const args = portableRunArgs("/var/task", ["--allow-net=127.0.0.1"]);
 * assert.equal(args[0], "run");
 * assert.equal(args.at(-1), "/var/task/main.js");
 * ```
 */
export function portableRunArgs(
  root: string,
  permissions: readonly string[],
): string[] {
  return [
    "run",
    ...PORTABLE_RUN_FLAGS,
    ...permissions,
    `${root}/${PORTABLE_FILES.bundle}`,
  ];
}

/**
 * The V8 flags `bootstrap` always starts Deno with. `--no-lazy` compiles
 * every function when the module is compiled, which is when Deno makes its
 * code cache: the cache the build ships then holds the bytecode of the
 * whole bundle, so no start compiles the functions init and the first
 * invocation run (lazily compiled, they are what a start spends most in
 * after loading). V8 refuses a cache made under other flags, so the build
 * makes it through the same `bootstrap`.
 *
 * @example
 * ```ts
 * import { PORTABLE_V8_FLAGS } from "./portable.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(PORTABLE_V8_FLAGS, ["--no-lazy"]);
 * ```
 */
export const PORTABLE_V8_FLAGS: readonly string[] = ["--no-lazy"];

/**
 * The `bootstrap` shell script: finds its own folder (Lambda starts it as
 * `/var/task/bootstrap`), keeps Deno's cache under `/tmp` unless `DENO_DIR`
 * says otherwise, turns off Deno's update check, sizes V8's heap to
 * `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` at each start (`heapScript`, unless
 * `RTL_LAMBDA_HEAP=off`), grants the OTLP endpoint and sets OpenTelemetry's
 * batch and sampler defaults when `OTEL_DENO=true`, and `exec`s the Deno binary
 * on `main.js` with {@linkcode portableRunArgs}. It works without `HOME`. With
 * `layer` (a target), Deno may also come from that target's layer in `/opt`
 * (`denoLookupLines`). It reads the Deno binary once, in the background
 * (unless `RTL_LAMBDA_READAHEAD=off`): on a new sandbox's cold disk one
 * sequential read beats the start's page faults, each a wait for the disk.
 *
 * @example
 * ```ts
 * import { bootstrapScript } from "./portable.ts";
 * import assert from "node:assert/strict";
 *
 * const script = bootstrapScript(["--allow-net=127.0.0.1", "--allow-env=A,B"]);
 * assert.ok(script.startsWith("#!/bin/sh\n"));
 * assert.match(script, /exec "\$root\/deno" run .* --allow-env=A,B "\$root\/main\.js"\n$/);
 * ```
 */
export function bootstrapScript(
  permissions: readonly string[],
  options: { heap?: boolean; layer?: Target } = {},
): string {
  // The Runtime API's address is read at start; under the emulator, its control ports are denied.
  const args = [
    ...["run", ...PORTABLE_RUN_FLAGS].map(_shellQuote),
    DENY_NET_WORD,
    ...permissions.map(shellPermissionWord),
  ];
  return [
    "#!/bin/sh",
    "# Lambda's entry point for this function (provided.al2023), made by @rtl/lambda's build --portable:",
    "# runs main.js with the Deno binary beside it. The task root is read-only, so Deno's cache goes to /tmp.",
    "set -eu",
    'case "$0" in */*) root="${0%/*}" ;; *) root=. ;; esac',
    "# A new sandbox's disk is cold: the Deno binary read ahead in one sequential read beside the start, not page fault by",
    "# page fault (half the cold start where the disk reads ahead 128 KB: docs/performance.md); RTL_LAMBDA_READAHEAD=off: none.",
    // A layer's Deno is found first, so that it is read ahead as early as the one beside the bootstrap.
    ...(options.layer
      ? [...denoLookupLines(options.layer), _readAhead('"$rtl_deno"')]
      : [_readAhead(`"$root/${PORTABLE_FILES.deno}"`)]),
    `DENO_DIR="\${DENO_DIR:-${DEFAULT_DENO_DIR}}"`,
    "# A new sandbox: start from the caches the build made (V8's code cache), copied where Deno may write them.",
    `if [ ! -e "$DENO_DIR" ] && [ -d "$root/${PORTABLE_FILES.cache}" ] && mkdir -p "$DENO_DIR"; then`,
    `  for rtl_f in "$root/${PORTABLE_FILES.cache}"/*; do cat "$rtl_f" >"$DENO_DIR/\${rtl_f##*/}" || true; done`,
    "fi",
    "DENO_NO_UPDATE_CHECK=1",
    "# CloudWatch shows colour codes as text.",
    "NO_COLOR=1",
    "# Every function compiled with the module, so the shipped code cache holds them all (PORTABLE_V8_FLAGS).",
    `DENO_V8_FLAGS="${
      PORTABLE_V8_FLAGS.join(",")
    }\${DENO_V8_FLAGS:+,$DENO_V8_FLAGS}"`,
    "export DENO_DIR DENO_NO_UPDATE_CHECK NO_COLOR DENO_V8_FLAGS",
    ...(options.heap === false ? [] : [heapScript().trimEnd()]),
    ...otelShellLines(),
    `exec ${options.layer ? '"$rtl_deno"' : `"$root/${PORTABLE_FILES.deno}"`} ${
      args.join(" ")
    } "$root/${PORTABLE_FILES.bundle}"`,
    "",
  ].join("\n");
}

/** What {@linkcode bundle} made. */
export interface BundleResult {
  /** The bundle's text, without a `//# sourceMappingURL=` comment. */
  code: string;
  /** Its source map (version 3), naming the original files. */
  map: string;
  /** Why the bundle was left unminified, when it was. */
  unminified?: string;
}

/**
 * Bundles the entry and everything it imports into one ES module with
 * `deno bundle`, then takes the whitespace and comments out with terser
 * (names and code stay as written; legal comments stay), chaining the
 * source map. The smaller text starts faster: the cold suite measured
 * about 10 ms of CPU off the AWS SDK's start. `deno bundle --minify`
 * itself breaks the AWS SDK's `require("node:crypto")`, and renaming
 * costs more at start than it saves (`--keep-names` defines every
 * function's name as the module loads). Code terser cannot read is kept
 * unminified, with the reason in {@linkcode BundleResult.unminified}.
 *
 * The result carries no `//# sourceMappingURL=` comment: with one, Deno
 * reads and parses the whole map as the module loads (about 20 ms for the
 * AWS SDK), so the build's banner maps stacks on demand instead
 * (`_stack_mapper.ts`). Throws {@linkcode StepFailedError} when bundling
 * fails.
 *
 * @example
 * ```ts ignore
 * import { bundle } from "./portable.ts";
 *
 * const { code, map } = await bundle("main.ts", "dist/main.js");
 * ```
 */
export async function bundle(
  entry: string,
  output: string,
  deno = "deno",
): Promise<BundleResult> {
  const result = await runCommand(deno, [
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    "--sourcemap=linked",
    "--output",
    output,
    entry,
  ]);
  if (result.code !== 0) {
    throw new StepFailedError("deno bundle", result.code, result.stderr);
  }
  const code = (await Deno.readTextFile(output)).replace(
    /\n?\/\/# sourceMappingURL=[^\n]*\n?$/,
    "\n",
  );
  const map = await Deno.readTextFile(`${output}.map`);
  let bundled: BundleResult;
  try {
    const name = output.split("/").at(-1) ?? "main.js";
    const minified = await minify({ [name]: code }, {
      module: true,
      compress: false,
      mangle: false,
      format: { comments: "some" },
      sourceMap: { content: map, filename: name },
    });
    bundled = {
      code: `${minified.code ?? ""}\n`,
      map: typeof minified.map === "string" ? minified.map : map,
    };
  } catch (error) {
    bundled = {
      code,
      map,
      unminified: error instanceof Error ? error.message : String(error),
    };
  }
  await Deno.writeTextFile(output, bundled.code);
  await Deno.writeTextFile(`${output}.map`, bundled.map);
  return bundled;
}

/**
 * Fills `<directory>/.deno` with the Deno caches a first start of the staged
 * function makes (V8's code cache of `main.js`, its module analysis), keyed
 * for `taskRoot`, by starting it once through its `bootstrap` against a
 * loopback Runtime API (`warm_cache.ts`, in its own process). Returns the
 * files to ship, relative to `directory`. Throws
 * {@linkcode StepFailedError} when that process fails.
 *
 * @example
 * ```ts ignore
 * import { warmCache } from "./portable.ts";
 *
 * const files = await warmCache("dist/x64");
 * ```
 */
export async function warmCache(
  directory: string,
  options: { deno?: string; taskRoot?: string } = {},
): Promise<string[]> {
  const dir = resolve(directory);
  const cache = `${dir}/${PORTABLE_FILES.cache}`;
  await Deno.remove(cache, { recursive: true }).catch(() => {});
  const result = await runCommand(options.deno ?? "deno", [
    "run",
    "--no-config",
    "--no-lock",
    "--no-prompt",
    "--allow-net=127.0.0.1",
    "--allow-run=sh",
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
    new URL("./warm_cache.ts", import.meta.url).href,
    dir,
    PORTABLE_FILES.cache,
    options.taskRoot ?? "/var/task",
  ]);
  if (result.code !== 0) {
    throw new StepFailedError("warm cache", result.code, result.stderr);
  }
  const files: string[] = [];
  for await (const entry of Deno.readDir(cache)) {
    files.push(`${PORTABLE_FILES.cache}/${entry.name}`);
  }
  return files.sort();
}

/**
 * Where a Deno binary for a target came from.
 *
 * @example
 * ```ts
 * import type { DenoBinary } from "./portable.ts";
 *
 * const binary: DenoBinary = { path: "/usr/bin/deno", source: "running" };
 * ```
 */
export interface DenoBinary {
  /** The binary's path. */
  path: string;
  /** `running`: the Deno running the build; `cache`: fetched before; `npm`: fetched now. */
  source: "running" | "cache" | "npm";
}

/**
 * Options of {@linkcode denoBinary}.
 *
 * @example
 * ```ts
 * import type { DenoBinaryOptions } from "./portable.ts";
 *
 * const options: DenoBinaryOptions = { cacheDir: "dist/.cache", version: "2.9.6" };
 * ```
 */
export interface DenoBinaryOptions {
  /** The folder fetched binaries are kept in, one sub-folder per version and target. */
  cacheDir: string;
  /** The Deno version; default the running one. */
  version?: string;
  /** Whether the running binary may be used for its own architecture; default true. */
  reuseRunning?: boolean;
}

/**
 * Finds the Deno CLI binary for `target`: the running one when it is a real
 * ELF binary of that architecture and the same version, else one fetched
 * before into `cacheDir`, else `@deno/linux-<arch>-glibc@<version>` fetched
 * with `npm pack` and unpacked with `tar`. A cached binary is used only if
 * nobody else can write it and, given `--allow-sys=uid`, it belongs to the
 * current user.
 *
 * @example
 * ```ts ignore
 * import { denoBinary } from "./portable.ts";
 * import { TARGETS } from "./targets.ts";
 *
 * const { path, source } = await denoBinary(TARGETS.arm64, { cacheDir: "dist/.cache" });
 * ```
 */
export async function denoBinary(
  target: Target,
  options: DenoBinaryOptions,
): Promise<DenoBinary> {
  const version = options.version ?? Deno.version.deno;
  if (
    options.reuseRunning !== false && version === Deno.version.deno &&
    Deno.build.os === "linux" && Deno.build.env === "gnu" &&
    Deno.build.arch === target.denoArch
  ) {
    const running = _execPath();
    if (running && await isExecutableFor(running, target)) {
      return { path: running, source: "running" };
    }
  }
  // npm runs in the work folder, so every path it gets must be absolute.
  const folder = resolve(options.cacheDir, `deno-${version}-${target.triple}`);
  const cached = `${folder}/deno`;
  if (await _trusted(cached) && await isExecutableFor(cached, target)) {
    return { path: cached, source: "cache" };
  }
  await Deno.mkdir(folder, { recursive: true, mode: 0o755 });
  const work = await Deno.makeTempDir({ dir: folder, prefix: ".fetch-" });
  try {
    const spec = `${target.npmPackage}@${version}`;
    const pack = await runCommand(
      "npm",
      ["pack", spec, "--json", "--pack-destination", work],
      { cwd: work },
    );
    if (pack.code !== 0) {
      throw new DenoBinaryUnavailableError(
        `npm could not fetch ${spec} (exit code ${pack.code}): ${
          _lastLines(pack.stderr)
        }. Check that npm reaches its registry (npm ping), or build for ` +
          `this machine's own architecture, whose Deno binary needs no download.`,
      );
    }
    const tarball = `${work}/${_packedFile(pack.stdout, spec)}`;
    const untar = await runCommand("tar", [
      "-xzf",
      tarball,
      "-C",
      work,
      "package/deno",
    ]);
    const unpacked = `${work}/package/deno`;
    if (untar.code !== 0 || !(await isExecutableFor(unpacked, target))) {
      throw new DenoBinaryUnavailableError(
        `${spec} did not hold a Linux ${target.denoArch} deno binary` +
          (untar.code !== 0 ? ` (tar: ${_lastLines(untar.stderr)})` : ""),
      );
    }
    await Deno.chmod(unpacked, 0o755);
    await Deno.rename(unpacked, cached);
    return { path: cached, source: "npm" };
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

function _execPath(): string | undefined {
  try {
    return Deno.execPath();
  } catch {
    return undefined;
  }
}

async function _trusted(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    const uid = _uid();
    return info.isFile && (uid === undefined || info.uid === uid) &&
      ((info.mode ?? 0) & 0o022) === 0;
  } catch {
    return false;
  }
}

function _uid(): number | undefined {
  try {
    return Deno.uid() ?? undefined;
  } catch {
    // Without --allow-sys=uid the owner cannot be compared; the mode check still holds.
    return undefined;
  }
}

function _packedFile(stdout: string, spec: string): string {
  try {
    const [first] = JSON.parse(stdout) as { filename?: string }[];
    if (typeof first?.filename === "string") {
      return first.filename.replace(/^@/, "").replace("/", "-");
    }
  } catch {
    // Fall through: npm printed something other than its JSON.
  }
  throw new DenoBinaryUnavailableError(
    `npm pack ${spec} did not say which file it wrote: ${stdout.slice(0, 200)}`,
  );
}

function _lastLines(text: string): string {
  const lines = text.split("\n").map((line) => line.trim()).filter((line) =>
    line && !line.startsWith("npm warn")
  );
  return lines.slice(-3).join(" / ") || "no output";
}

/** Quotes an argument for sh when it holds anything beyond a safe set. */
function _shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)
    ? arg
    : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The bootstrap's line that reads `binary` once in the background, unless `RTL_LAMBDA_READAHEAD=off`. */
function _readAhead(binary: string): string {
  return `if [ "\${RTL_LAMBDA_READAHEAD:-}" != off ]; then (cat ${binary} >/dev/null 2>&1 &); fi`;
}
