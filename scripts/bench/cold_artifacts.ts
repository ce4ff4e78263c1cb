/**
 * What the cold-start suite starts: each function built portable with the
 * project's build and unzipped into a read-only folder; the same handlers
 * bundled with esbuild for Node, with AWS's `aws-lambda-ric` when it could
 * be installed; the bare Deno floor.
 *
 * @module
 */

import { rekeyCaches } from "../build/_rekey_caches.ts";
import { PORTABLE_FILES, PORTABLE_RUN_FLAGS } from "../build/portable.ts";
import { LAYER_FILES, layerFolder } from "../build/layer.ts";
import { TARGETS } from "../build/targets.ts";
import { exists } from "../_exists.ts";
import { filesUnder } from "./cold_disk.ts";

/** A function as the suite starts it. */
export interface ColdArtifact {
  /** The executable. */
  command: string;
  /** Its arguments. */
  args: string[];
  /** The read-only task root. */
  root: string;
  /** `_HANDLER`. */
  handler?: string;
  /** Bytes of the code loaded at start (bundle, map), for the table. */
  codeBytes: number;
  /** The runtime's binary (its own copy), whose bytes paged in a cold-disk start reports. */
  binary: string;
  /** Every file a start may read (binary, code, caches, bootstrap): evicted for a cold-disk start. */
  files: string[];
  /** Variables of its own (`RTL_LAMBDA_READAHEAD=off`). */
  env?: Record<string, string>;
}

/** One function on one runtime, as the suite starts it. */
export interface ColdCase {
  /** `echo`, `hono`, `aws-sdk`. */
  function: string;
  /** `rtl-lambda`, `node-ric`, `floor-deno`, … (`node-…` is the peer ratios are taken against). */
  runtime: string;
  /** What runs. */
  description: string;
  /** The built artifact. */
  artifact: ColdArtifact;
  /** The one invocation's event. */
  event: Uint8Array<ArrayBuffer>;
  /** Whether the function talks to the local S3 and DynamoDB servers. */
  servers?: boolean;
}

/** A build or install step failed; its output is in the message. */
export class ColdSetupError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ColdSetupError";
  }
}

const _ARCH = Deno.build.arch === "aarch64" ? "arm64" : "x64";

/**
 * Builds `entry` with `scripts/build.ts --portable` for this machine's
 * architecture into `work`, unzips `function.zip` into `<work>/task`, into
 * `<work>/task-nocache` without its caches and into `<work>/task-variant`
 * (a twin for variants), each read-only.
 *
 * @example
 * ```ts ignore
 * const artifact = await buildPortable(root, "examples/echo/main.ts", "/tmp/x/echo");
 * ```
 */
export async function buildPortable(
  projectRoot: string,
  entry: string,
  work: string,
  buildArgs: readonly string[] = [],
): Promise<ColdArtifact[]> {
  await _build(projectRoot, entry, work, ["--portable", ...buildArgs]);
  const zip = `${work}/dist/${_ARCH}/function.zip`;
  // The second copy leaves out the shipped caches: what a start costs without them, same run.
  // The third is the first's twin for variants (RTL_LAMBDA_READAHEAD=off): a variant's cold start must not evict the first's pages.
  return [
    await _unpackTask(zip, `${work}/task`, []),
    await _unpackTask(zip, `${work}/task-nocache`, [
      "-x",
      `${PORTABLE_FILES.cache}/*`,
    ]),
    await _unpackTask(zip, `${work}/task-variant`, []),
  ];
}

/**
 * Builds `entry` with `scripts/build.ts --layer` into `work` and unpacks it
 * with {@linkcode unpackLayered}.
 *
 * @example
 * ```ts ignore
 * const layered = await buildLayered(root, "examples/echo/main.ts", "/tmp/x/echo-layer");
 * ```
 */
export async function buildLayered(
  projectRoot: string,
  entry: string,
  work: string,
  buildArgs: readonly string[] = [],
): Promise<ColdArtifact> {
  await _build(projectRoot, entry, work, ["--layer", ...buildArgs]);
  return await unpackLayered(`${work}/dist/${_ARCH}`, work);
}

/**
 * A layer build's folder (`function.zip`, `layer.zip`) unpacked as Lambda
 * does: the function at `<work>/task`, the layer at `<work>/opt`, both
 * read-only; the bootstrap finds Deno there through `RTL_LAMBDA_OPT` (the
 * suite runs unprivileged, so nothing is bound at `/opt`), and a cold-disk
 * start evicts the layer's files too.
 *
 * @example
 * ```ts ignore
 * const layered = await unpackLayered("/tmp/x/dist/x64", "/tmp/x/echo-layer");
 * ```
 */
export async function unpackLayered(
  dist: string,
  work: string,
): Promise<ColdArtifact> {
  const opt = `${work}/opt`;
  await _run(
    "unzip",
    ["-q", "-o", `${dist}/${LAYER_FILES.zip}`, "-d", opt],
    "/",
  );
  await _run("chmod", ["-R", "a-w", opt], "/");
  const task = await _unpackTask(`${dist}/function.zip`, `${work}/task`, []);
  return {
    ...task,
    binary: `${opt}/${layerFolder(TARGETS[_ARCH])}/deno`,
    files: [...task.files, ...await filesUnder(opt)],
    env: { RTL_LAMBDA_OPT: opt },
  };
}

async function _build(
  projectRoot: string,
  entry: string,
  work: string,
  buildArgs: readonly string[],
): Promise<void> {
  await _run("deno", [
    "run",
    "-P=build",
    "--no-prompt",
    "scripts/build.ts",
    entry,
    `--target=${_ARCH}`,
    `--out=${work}/dist`,
    ...buildArgs,
  ], projectRoot);
}

/** Unzips a function zip into a read-only task root, its caches keyed for it. */
async function _unpackTask(
  zip: string,
  root: string,
  exclude: readonly string[],
): Promise<ColdArtifact> {
  await _run("unzip", ["-q", "-o", zip, ...exclude, "-d", root], "/");
  // The build keys its caches for /var/task; here the task root is elsewhere.
  rekeyCaches(`${root}/${PORTABLE_FILES.cache}`, "/var/task", root);
  await _run("chmod", ["-R", "a-w", root], "/");
  return {
    // sh runs the script as Lambda's exec would (its shebang): the bench may run only named commands.
    command: "sh",
    args: [`${root}/bootstrap`],
    root,
    codeBytes: await _codeBytes(root, ["main.js"]),
    binary: `${root}/${PORTABLE_FILES.deno}`,
    files: await filesUnder(root),
  };
}

/**
 * The floor: `floor_fetch.ts` bundled to `main.js` in a read-only folder,
 * run by the same Deno with the bootstrap's flags.
 *
 * @example
 * ```ts ignore
 * const floor = await bareDeno(root, "/tmp/x/floor");
 * ```
 */
export async function bareDeno(
  projectRoot: string,
  work: string,
): Promise<ColdArtifact> {
  const root = `${work}/task`;
  await _run("deno", [
    "bundle",
    "--quiet",
    "--platform=deno",
    `--output=${root}/main.js`,
    "scripts/bench/floor_fetch.ts",
  ], projectRoot);
  // Its own copy: evicting the harness's binary would time the harness's page faults too.
  const binary = `${root}/deno`;
  await Deno.copyFile(Deno.execPath(), binary);
  await _run("chmod", ["-R", "a-w", root], "/");
  return {
    // Through sh, as the bootstrap starts Deno (and the bench may run only named commands).
    command: "sh",
    args: [
      "-c",
      'exec "$0" "$@"',
      binary,
      "run",
      ...PORTABLE_RUN_FLAGS,
      "--allow-net=127.0.0.1",
      "--allow-env",
      `${root}/main.js`,
    ],
    root,
    codeBytes: await _codeBytes(root, ["main.js"]),
    binary,
    files: await filesUnder(root),
  };
}

/** The Node side: one installed project with the pinned packages. */
export interface NodeProject {
  /** The project folder (holds node_modules). */
  dir: string;
  /** Whether aws-lambda-ric's native part built. */
  ric: boolean;
}

/**
 * Installs, once per set of pins, the npm packages the Node handlers need
 * (versions pinned in this file) into a folder under the
 * system temp folder, and builds aws-lambda-ric's native part (npm 11 does
 * not run install scripts unless allowed).
 *
 * @example
 * ```ts ignore
 * const project = await nodeProject();
 * ```
 */
export async function nodeProject(): Promise<NodeProject> {
  const pins = _NODE_PINS;
  const key = Object.entries(pins).map(([n, v]) => `${n}@${v}`).join(",");
  const hash = Array.from(
    new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)),
    ).slice(0, 6),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
  const dir = `${_tmp()}/rtl-lambda-bench-node-${hash}`;
  const ricBinary = `${dir}/node_modules/aws-lambda-ric/rapid-client.node`;
  if (!(await exists(`${dir}/installed`))) {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/package.json`,
      JSON.stringify({ private: true, dependencies: pins }, null, 2),
    );
    await _run("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--engine-strict=false",
    ], dir);
    await Deno.writeTextFile(`${dir}/installed`, key);
  }
  let ric = await exists(ricBinary);
  if (!ric && !(await exists(`${dir}/ric-failed`))) {
    const ricDir = `${dir}/node_modules/aws-lambda-ric`;
    try {
      await _run("sh", ["scripts/preinstall.sh"], ricDir, {
        npm_config_nodedir: "/usr",
      });
      await _run("sh", ["scripts/postinstall.sh"], ricDir, {
        npm_config_nodedir: "/usr",
      });
      ric = await exists(ricBinary);
    } catch (error) {
      await Deno.writeTextFile(`${dir}/ric-failed`, String(error));
    }
  }
  return { dir, ric };
}

/**
 * Bundles a Node handler with esbuild into `<work>/task/index.js`
 * (CommonJS, Node 20), read-only, started by aws-lambda-ric or, without it,
 * by the fetch loop beside this file.
 *
 * @example
 * ```ts ignore
 * const node = await bundleNode(project, "scripts/bench/cold/node_echo.mjs", "/tmp/x/node-echo");
 * ```
 */
export async function bundleNode(
  project: NodeProject,
  handlerFile: string,
  work: string,
): Promise<ColdArtifact> {
  const root = `${work}/task`;
  // esbuild resolves packages from the handler's folder: the handler goes into the project.
  const source = `${project.dir}/${handlerFile.split("/").at(-1)}`;
  await Deno.copyFile(handlerFile, source);
  await _run("node", [
    `${project.dir}/node_modules/esbuild/bin/esbuild`,
    source,
    "--bundle",
    "--platform=node",
    "--target=node20",
    "--format=cjs",
    "--minify",
    "--log-level=warning",
    `--outfile=${root}/index.js`,
  ], project.dir);
  if (!project.ric) {
    await Deno.copyFile(
      new URL("./cold/node_fetch_loop.mjs", import.meta.url),
      `${root}/loop.mjs`,
    );
  }
  await _run("chmod", ["-R", "a-w", root], "/");
  const ricDir = `${project.dir}/node_modules/aws-lambda-ric`;
  // Its own copy, as Lambda's /var/lang/bin/node is: another Node process on this host would pin the pages of the shared one.
  const binary = `${work}/bin/node`;
  await Deno.mkdir(`${work}/bin`, { recursive: true });
  await Deno.copyFile(await _onPath("node"), binary);
  return {
    // Through sh (the bench may run only named commands).
    command: "sh",
    args: [
      "-c",
      'exec "$0" "$@"',
      binary,
      ...(project.ric
        ? [`${ricDir}/index.mjs`, "index.handler"]
        : [`${root}/loop.mjs`, `${root}/index.js`]),
    ],
    root,
    handler: "index.handler",
    codeBytes: await _codeBytes(root, ["index.js"]),
    binary,
    files: [
      binary,
      ...await filesUnder(root),
      ...(project.ric ? await filesUnder(ricDir) : []),
    ],
  };
}

// The Node peers' versions, pinned here as every npm import is pinned at its site (the SDK's and Hono's as the examples import them).
const _NODE_PINS: Readonly<Record<string, string>> = {
  "@aws-sdk/client-s3": "3.1175.0",
  "@aws-sdk/client-dynamodb": "3.1169.0",
  "aws-lambda-ric": "4.0.2",
  "esbuild": "0.28.2",
  "hono": "4.13.19",
};

async function _onPath(name: string): Promise<string> {
  for (const folder of (Deno.env.get("PATH") ?? "").split(":")) {
    if (folder === "") continue;
    try {
      return await Deno.realPath(`${folder}/${name}`);
    } catch {
      // Not in this folder.
    }
  }
  throw new ColdSetupError(`${name} is not on PATH`);
}

async function _run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<void> {
  const output = await new Deno.Command(command, {
    args,
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) +
      new TextDecoder().decode(output.stdout);
    throw new ColdSetupError(
      `${command} ${args.join(" ")} failed (${output.code}): ${
        text.slice(-2000)
      }`,
    );
  }
}

async function _codeBytes(
  root: string,
  names: readonly string[],
): Promise<number> {
  let bytes = 0;
  for (const name of names) {
    try {
      bytes += (await Deno.stat(`${root}/${name}`)).size;
    } catch {
      // Absent: this build has no such file.
    }
  }
  return bytes;
}

function _tmp(): string {
  return Deno.env.get("TMPDIR") ?? "/tmp";
}
