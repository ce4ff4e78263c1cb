/**
 * Builds a function into `<out>/<arch>/bootstrap` and
 * `<out>/<arch>/function.zip` for Lambda's `provided.al2023` runtime, on
 * arm64 or x86_64, from any host.
 *
 * ```sh
 * deno run -P=build scripts/build.ts main.ts --target arm64             # deno compile
 * deno run -P=build scripts/build.ts main.ts --target arm64 --portable  # no denort needed
 * deno run -P=build scripts/build.ts main.ts --target arm64 --layer     # Deno in layer.zip
 * ```
 *
 * Options: `--target arm64|x64` (repeatable; both by default), `--out DIR`
 * (default `dist`), `--name NAME` (in the deploy commands; default the
 * entry's folder name), `--include PATH` (repeatable), `--portable`,
 * `--cache-dir DIR` (default `<out>/.cache`), and `--allow-*` flags that
 * widen the function's permissions (`DEFAULT_PERMISSIONS`, enough for the AWS
 * SDK, plus the `permissions.lambda` set of the entry's `deno.json`). `--entry FILE` sets the entry
 * when no positional one is given (default `main.ts`).
 *
 * @example
 * ```ts ignore
 * import { build } from "./build.ts";
 *
 * const [artifact] = await build({ entry: "main.ts", targets: ["arm64"], portable: true });
 * console.log(artifact.zip, artifact.zippedBytes);
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { basename, dirname, relative, resolve } from "node:path";
import { zipFiles, ZipInputError } from "./zip.ts";
import { denoExecutable, runCommand } from "./build/command.ts";
import { checkDenortBin, compile } from "./build/compile.ts";
import {
  BuildError,
  EntryNotFoundError,
  OutputNotWritableError,
  TypeCheckError,
  UsageError,
} from "./build/errors.ts";
import {
  expandGrants,
  findDeclaration,
  heapFlags,
  isPermissionFlag,
  PermissionDeclarationError,
  permissionFlags,
  RUNTIME_API_HOST,
} from "@rtl/lambda-local/sandbox";
import { checkPermissionFlags } from "./build/permission_check.ts";
import { withBanner } from "./build/init_banner.ts";
import {
  bootstrapScript,
  bundle,
  denoBinary,
  PORTABLE_FILES,
  warmCache,
} from "./build/portable.ts";
import {
  formatBytes,
  type ProgressSink,
  stderrProgress,
  step,
} from "./build/progress.ts";
import {
  type Artifact,
  formatSummary,
  LAMBDA_LIMITS,
} from "./build/summary.ts";
import {
  checkUnzippedTotal,
  type LayerArtifact,
  packLayer,
  removeLayer,
} from "./build/layer.ts";
import { resolveTarget, type Target, TARGETS } from "./build/targets.ts";

// The errors' base class, so that the documented API is complete.
export { LambdaRuntimeError } from "@rtl/lambda/runtime";
export {
  BuildError,
  DenoBinaryUnavailableError,
  DenortUnavailableError,
  EntryNotFoundError,
  InvalidPermissionError,
  OutputNotWritableError,
  StepFailedError,
  TypeCheckError,
  UnknownTargetError,
  UsageError,
} from "./build/errors.ts";
export { type Target, TARGETS } from "./build/targets.ts";
export {
  auditedDeclaration,
  DEFAULT_PERMISSIONS,
  findDeclaration,
  type FoundDeclaration,
  type PermissionDeclaration,
  PermissionDeclarationError,
  permissionFlags,
  type PermissionFlagsOptions,
  type PermissionKind,
} from "@rtl/lambda-local/sandbox";
export { checkPermissionFlags } from "./build/permission_check.ts";
export type { ProgressSink } from "./build/progress.ts";
export type { Artifact } from "./build/summary.ts";
export {
  type LayerArtifact,
  layerFolder,
  LayerTooLargeError,
} from "./build/layer.ts";

/**
 * What to build.
 *
 * @example
 * ```ts
 * import type { BuildOptions } from "./build.ts";
 *
 * const options: BuildOptions = {
 *   entry: "main.ts",
 *   targets: ["arm64"],
 *   include: ["templates"],
 *   allow: ["--allow-read=/var/task", "--allow-net=dynamodb.eu-west-1.amazonaws.com"],
 *   portable: true,
 * };
 * ```
 */
export interface BuildOptions {
  /** The function's entry module, the one that calls `run()`. */
  entry: string;
  /** Architectures by any usual name (`arm64`, `aarch64`, `x64`, `x86_64`); default both. */
  targets?: readonly (Target | string)[];
  /** The output folder; each target gets `<out>/<arch>/`. Default `dist`. */
  out?: string;
  /** The function's name in the deploy commands; default the entry's folder name. */
  name?: string;
  /** Extra files and folders the function reads at run time. In portable mode they must lie under the entry's folder and keep their place relative to it. */
  include?: readonly string[];
  /** Extra `--allow-*` flags for the function, merged with the defaults. */
  allow?: readonly string[];
  /** Build a Deno binary, a bundle and a shell `bootstrap` instead of using `deno compile`. */
  portable?: boolean;
  /**
   * Portable mode with the Deno binary in `<out>/<arch>/layer.zip` (at
   * `/opt/deno-<version>-<arch>/deno` on Lambda) instead of in `function.zip`.
   */
  layer?: boolean;
  /**
   * The function's memory size in MB, 128 by default: compile mode bakes V8
   * heap flags for it (a compiled binary reads no `DENO_V8_FLAGS`), portable
   * mode sizes the heap at each start from `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`;
   * both put it in the deploy command. `"off"` leaves V8's heap to its defaults.
   */
  memory?: number | "off";
  /** Where portable mode keeps the Deno binaries it fetched; default `<out>/.cache`. */
  cacheDir?: string;
  /** Where progress lines go; default stderr. */
  progress?: ProgressSink;
}

/**
 * Builds the function for each target and zips it. Checks first, in this
 * order, so that a mistake costs nothing: the targets
 * ({@linkcode UnknownTargetError}), the permission flags
 * ({@linkcode PermissionDeclarationError}), the entry ({@linkcode EntryNotFoundError}), the
 * output folder ({@linkcode OutputNotWritableError}), `DENORT_BIN` in
 * compile mode ({@linkcode BuildError}) and the types (`deno check`,
 * {@linkcode TypeCheckError}).
 *
 * @example
 * ```ts ignore
 * import { build } from "./build.ts";
 *
 * for (const artifact of await build({ entry: "main.ts", portable: true })) {
 *   console.log(artifact.target.arch, artifact.zip);
 * }
 * ```
 */
export async function build(options: BuildOptions): Promise<Artifact[]> {
  const progress = options.progress ?? stderrProgress;
  const targets = _unique(
    (options.targets?.length ? options.targets : Object.values(TARGETS)).map((
      target,
    ) => typeof target === "string" ? resolveTarget(target) : target),
  );
  permissionFlags(options.allow);
  const memory = _memory(options.memory ?? 128);
  const out = options.out ?? "dist";
  const entry = options.entry;
  await _requireFile(entry);
  const found = await findDeclaration(entry);
  const permissions = permissionFlags(options.allow, {
    declaration: found?.declaration,
  });
  const entryDir = dirname(resolve(entry));
  const includes = await _includes(options.include ?? [], entryDir, options);
  const name = options.name ?? _functionName(entryDir);
  for (const target of targets) {
    await _requireWritable(`${out}/${target.arch}`);
    if (!options.portable && !options.layer) await checkDenortBin(target);
  }
  const deno = denoExecutable();

  let shared = performance.now();
  await step(progress, "permissions", found?.file ?? "defaults", async () => {
    // Checked as they start on Lambda, where the Runtime API is 127.0.0.1:9001.
    await checkPermissionFlags(
      deno,
      expandGrants(permissions, _LAMBDA_ADDRESSES),
    );
    return { value: undefined, result: permissions.join(" ") };
  });
  await step(progress, "check", entry, async () => {
    const result = await runCommand(deno, ["check", entry]);
    if (result.code !== 0) throw new TypeCheckError(entry, result.stderr);
    return { value: undefined, result: "ok" };
  });
  let bundled: { code: string; map: string } | undefined;
  if (options.portable || options.layer) {
    bundled = await step(progress, "bundle", entry, async () => {
      const output = `${out}/${targets[0].arch}/${PORTABLE_FILES.bundle}`;
      const { code, map, unminified } = await bundle(entry, output, deno);
      const size = formatBytes(new TextEncoder().encode(code).length);
      return {
        value: { code, map },
        result: unminified === undefined
          ? `${size}, minified`
          : `${size}, not minified (${unminified})`,
      };
    });
  }
  shared = performance.now() - shared;

  const artifacts: Artifact[] = [];
  for (const target of targets) {
    const started = performance.now();
    const directory = `${out}/${target.arch}`;
    const bootstrap = `${directory}/bootstrap`;
    const zip = `${directory}/function.zip`;
    // A failed build must not leave the previous artifacts looking current.
    await _removeQuietly(zip);
    await _removeQuietly(bootstrap);
    await removeLayer(directory);
    let entries: string[];
    if (bundled) {
      entries = await _stagePortable(target, directory, bundled, permissions, {
        cacheDir: options.cacheDir ?? `${out}/.cache`,
        includes,
        progress,
        heap: memory !== "off",
        layer: options.layer === true,
      });
    } else {
      await _removeQuietly(`${directory}/${PORTABLE_FILES.deno}`);
      await _removeQuietly(`${directory}/${PORTABLE_FILES.bundle}`);
      await _removeQuietly(`${directory}/${PORTABLE_FILES.map}`);
      await step(
        progress,
        "compile",
        `${entry} for ${target.triple}`,
        async () => {
          await compile({
            deno,
            entry,
            target,
            output: bootstrap,
            include: includes.map((include) => include.path),
            // A compiled binary cannot read its grants at start: it gets the whole loopback address.
            permissions: expandGrants(permissions, {
              AWS_LAMBDA_RUNTIME_API: RUNTIME_API_HOST,
            }),
            v8Flags: memory === "off" ? [] : heapFlags(memory),
          });
          const size = (await Deno.stat(bootstrap)).size;
          return { value: undefined, result: formatBytes(size) };
        },
      );
      entries = ["bootstrap"];
    }
    const summary = await step(progress, "compress", zip, async () => {
      const summary = await zipFiles(entries, { root: directory, output: zip });
      return {
        value: summary,
        result: `${formatBytes(summary.zippedBytes)} from ${
          formatBytes(summary.unzippedBytes)
        }`,
      };
    });
    const layer = bundled && options.layer
      ? await _layer(directory, target, summary.unzippedBytes, progress)
      : undefined;
    artifacts.push({
      name,
      target,
      mode: bundled ? "portable" : "compile",
      memoryMB: memory === "off" ? undefined : memory,
      directory,
      bootstrap,
      zip,
      entries: summary.entries,
      bootstrapBytes: (await Deno.stat(bootstrap)).size,
      zippedBytes: summary.zippedBytes,
      unzippedBytes: summary.unzippedBytes,
      ...(layer ? { layer } : {}),
      milliseconds: performance.now() - started +
        (artifacts.length === 0 ? shared : 0),
    });
  }
  return artifacts;
}

/**
 * Reads the command line into {@linkcode BuildOptions}. `--allow-*` and
 * `-A` flags are set aside for the function; a positional entry wins over
 * `--entry`, so a task can name a default entry that the user overrides.
 * Throws {@linkcode UsageError} for anything it does not know.
 *
 * @example
 * ```ts
 * import { parseBuildArgs } from "./build.ts";
 * import assert from "node:assert/strict";
 *
 * const options = parseBuildArgs(["--entry=examples/echo/main.ts", "api.ts", "--target", "arm64", "--allow-read"]);
 * assert.equal(options.entry, "api.ts");
 * assert.deepEqual(options.targets, ["arm64"]);
 * assert.deepEqual(options.allow, ["--allow-read"]);
 * ```
 */
export function parseBuildArgs(args: readonly string[]): BuildOptions {
  const allow = args.filter(isPermissionFlag);
  let parsed;
  try {
    parsed = parseArgs({
      args: args.filter((arg) => !isPermissionFlag(arg)),
      allowPositionals: true,
      options: {
        entry: { type: "string", default: "main.ts" },
        target: { type: "string", short: "t", multiple: true },
        out: { type: "string", short: "o", default: "dist" },
        name: { type: "string" },
        include: { type: "string", multiple: true },
        portable: { type: "boolean", default: false },
        layer: { type: "boolean", default: false },
        memory: { type: "string", short: "m" },
        "cache-dir": { type: "string" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(
      `one entry file expected, got ${positionals.join(" ")}`,
    );
  }
  return {
    entry: positionals[0] ?? values.entry,
    targets: values.target ?? [],
    out: values.out,
    name: values.name,
    include: values.include ?? [],
    allow,
    portable: values.portable,
    layer: values.layer,
    memory: values.memory === undefined
      ? undefined
      : values.memory === "off"
      ? "off"
      : Number(values.memory),
    cacheDir: values["cache-dir"],
  };
}

/**
 * The `build` task: parses `args`, builds, prints the summary on stdout.
 * Returns the exit code: 0 built, 1 a build error (its message printed), 2
 * a usage error.
 *
 * @example
 * ```ts ignore
 * import { main } from "./build.ts";
 *
 * Deno.exit(await main(["main.ts", "--target", "arm64", "--portable"]));
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(_USAGE);
    return 0;
  }
  try {
    const artifacts = await build(parseBuildArgs(args));
    console.log(`\n${formatSummary(artifacts)}`);
    return 0;
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof PermissionDeclarationError
    ) {
      console.error(`build: ${error.message}\n${_USAGE}`);
      return 2;
    }
    if (error instanceof BuildError || error instanceof ZipInputError) {
      console.error(`build: ${error.name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

// The addresses Lambda gives a function, to check its grants as they start there.
const _LAMBDA_ADDRESSES = {
  AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
  AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129:2000",
};

const _USAGE =
  `usage: build.ts [ENTRY] [--target arm64|x64]... [--portable] [--layer] [--out DIR]
                [--name NAME] [--include PATH]... [--memory MB|off] [--cache-dir DIR]
                [--allow-*[=LIST]]...
  ENTRY        the module that calls run() (default: --entry, else main.ts)
  --target     arm64 (aarch64) or x64 (x86_64); repeat for both; default both
  --portable   ship the Deno binary, a bundle and a shell bootstrap (no denort needed)
  --layer      portable, with the Deno binary in <out>/<arch>/layer.zip (/opt on Lambda):
               function.zip keeps the bootstrap, main.js, its map and caches
  --memory     the function's memory size in MB (default 128): compile mode sizes V8's
               heap for it at build time, portable mode at each start; off: V8's defaults
  --out        output folder, default dist: writes <out>/<arch>/bootstrap and function.zip
  --name       function name in the printed deploy commands (default: the entry's folder)
  --include    extra file or folder the function reads at run time (repeatable)
  --allow-*    widen the function's permissions; lists add to the defaults (the
               Runtime API, *.amazonaws.com, AWS_* and Lambda's variables, osRelease,
               /tmp) and to "permissions": { "lambda": {...} } in the entry's deno.json`;

interface _Include {
  /** As given, for deno compile. */
  path: string;
  /** Relative to the entry's folder, for the portable layout. */
  name: string;
}

async function _includes(
  paths: readonly string[],
  entryDir: string,
  options: BuildOptions,
): Promise<_Include[]> {
  const includes: _Include[] = [];
  for (const path of paths) {
    try {
      await Deno.stat(path);
    } catch (error) {
      throw new UsageError(`--include ${path}: not found`, { cause: error });
    }
    const name = relative(entryDir, resolve(path)).replaceAll("\\", "/");
    const portable = options.portable || options.layer;
    if (portable && (name === "" || name.startsWith(".."))) {
      throw new UsageError(
        `--include ${path} is not under the entry's folder ${entryDir}: portable mode ` +
          `places included files beside main.js as they lie beside the entry`,
      );
    }
    if (
      portable &&
      [
        PORTABLE_FILES.bundle,
        PORTABLE_FILES.map,
        PORTABLE_FILES.deno,
        "bootstrap",
        "function.zip",
        "layer",
        "layer.zip",
      ]
        .includes(name.split("/")[0])
    ) {
      throw new UsageError(
        `--include ${path} would overwrite the build's own ${name}`,
      );
    }
    includes.push({ path, name });
  }
  return includes;
}

async function _stagePortable(
  target: Target,
  directory: string,
  bundled: { code: string; map: string },
  permissions: readonly string[],
  options: {
    cacheDir: string;
    includes: _Include[];
    progress: ProgressSink;
    heap: boolean;
    layer: boolean;
  },
): Promise<string[]> {
  const binary = await step(
    options.progress,
    "deno",
    `${target.npmPackage}@${Deno.version.deno}`,
    async () => {
      const binary = await denoBinary(target, { cacheDir: options.cacheDir });
      const size = (await Deno.stat(binary.path)).size;
      const from = binary.source === "running"
        ? "the running Deno"
        : binary.source === "cache"
        ? `cached ${binary.path}`
        : `fetched with npm into ${binary.path}`;
      return { value: binary, result: `${formatBytes(size)}, ${from}` };
    },
  );
  const deno = `${directory}/${PORTABLE_FILES.deno}`;
  await _removeQuietly(deno);
  await Deno.copyFile(binary.path, deno);
  await Deno.chmod(deno, 0o755);
  const staged = withBanner(bundled.code, bundled.map);
  await Deno.writeTextFile(
    `${directory}/${PORTABLE_FILES.bundle}`,
    staged.code,
  );
  await Deno.writeTextFile(`${directory}/${PORTABLE_FILES.map}`, staged.map);
  const bootstrap = `${directory}/bootstrap`;
  await Deno.writeTextFile(
    bootstrap,
    bootstrapScript(permissions, {
      heap: options.heap,
      layer: options.layer ? target : undefined,
    }),
  );
  await Deno.chmod(bootstrap, 0o755);
  for (const include of options.includes) {
    await _copy(include.path, `${directory}/${include.name}`);
  }
  // Only a binary this machine runs can make V8's code cache for itself.
  const cache = target.denoArch === Deno.build.arch
    ? await step(options.progress, "cache", "V8 code cache", async () => {
      const files = await warmCache(directory, { deno: denoExecutable() });
      return { value: files, result: files.join(", ") };
    })
    : [];
  return [
    "bootstrap",
    ...(options.layer ? [] : [PORTABLE_FILES.deno]),
    PORTABLE_FILES.bundle,
    PORTABLE_FILES.map,
    ...cache,
    ...options.includes.map((include) => include.name),
  ];
}

/** Packs the staged Deno binary into the layer; refused when function and layer pass Lambda's unzipped limit. */
async function _layer(
  directory: string,
  target: Target,
  functionBytes: number,
  progress: ProgressSink,
): Promise<LayerArtifact> {
  const zip = `${directory}/layer.zip`;
  return await step(progress, "layer", zip, async () => {
    const layer = await packLayer(directory, target);
    checkUnzippedTotal(
      functionBytes,
      layer.unzippedBytes,
      LAMBDA_LIMITS.unzippedBytes,
    );
    return {
      value: layer,
      result: `${formatBytes(layer.zippedBytes)} from ${
        formatBytes(layer.unzippedBytes)
      }, ${layer.path}`,
    };
  });
}

async function _copy(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  await Deno.mkdir(dirname(to), { recursive: true });
  if (!info.isDirectory) {
    await Deno.copyFile(from, to);
    return;
  }
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    await _copy(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

async function _requireFile(entry: string): Promise<void> {
  try {
    if ((await Deno.stat(entry)).isFile) return;
  } catch (error) {
    throw new EntryNotFoundError(entry, { cause: error });
  }
  throw new EntryNotFoundError(entry);
}

async function _requireWritable(directory: string): Promise<void> {
  const probe = `${directory}/.write-test`;
  try {
    await Deno.mkdir(directory, { recursive: true });
    await Deno.writeFile(probe, new Uint8Array());
    await Deno.remove(probe);
  } catch (error) {
    throw new OutputNotWritableError(directory, _reason(error), {
      cause: error,
    });
  }
}

function _reason(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return "the build has no write permission there";
  }
  return error instanceof Error ? error.message : String(error);
}

async function _removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

// Lambda's memory sizes: 128 MB to 10 240 MB in 1 MB steps.
function _memory(memory: number | "off"): number | "off" {
  if (memory === "off") return memory;
  if (!Number.isInteger(memory) || memory < 128 || memory > 10240) {
    throw new UsageError(
      `--memory ${memory}: Lambda's memory size is a whole number of MB from 128 to 10240, or off`,
    );
  }
  return memory;
}

function _functionName(entryDir: string): string {
  const name = basename(entryDir).replace(/[^A-Za-z0-9_-]/g, "-");
  return name || "function";
}

function _unique(targets: Target[]): Target[] {
  return targets.filter((target, index) => targets.indexOf(target) === index);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
