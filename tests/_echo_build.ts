// The echo example (or another entry) built once with `scripts/build.ts --portable` and shared by every test
// process that needs a built zip: kept under a key made of the build's inputs, so a change to any of them builds anew.
const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Fetched Deno binaries and built echo zips, kept between runs. */
export const TEST_CACHE = `/tmp/rtl-lambda-test-cache-${
  Deno.env.get("USER") ?? "user"
}`;

/** The host's architecture in the build's words. */
const HOST_ARCH_BUILD = Deno.build.arch === "aarch64" ? "arm64" : "x64";

/** What every build reads: the runtime it bundles, the tools that bundle it, the sandbox's flags, the import map. */
const INPUTS = [
  "mod.ts",
  "src",
  "scripts",
  "local",
  "deno.json",
  "deno.lock",
];

/** Entries nobody used for this long are removed when a new one is built. */
const STALE_MS = 6 * 60 * 60 * 1000;

/**
 * The path of the echo example's portable zip for the host, built by the build CLI the first time these
 * inputs are seen. Parallel test processes wait on a file lock, so one builds and the others reuse it.
 */
export function sharedEchoZip(): Promise<string> {
  return sharedPortableZip("examples/echo/main.ts");
}

/**
 * The path of the portable zip of `main` (relative to the root; its folder is among the inputs) for the
 * host, built once for these inputs as {@linkcode sharedEchoZip} is. Cached under the folder's name.
 */
export async function sharedPortableZip(main: string): Promise<string> {
  return `${await _shared(main, "", ["--portable"], [
    "function.zip",
  ])}/function.zip`;
}

/**
 * The folder of the echo example built with `--layer` for the host, shared as {@linkcode sharedEchoZip}
 * is: its `function.zip`, `layer.zip` and `bootstrap`.
 */
export function sharedEchoLayerBuild(): Promise<string> {
  return _shared("examples/echo/main.ts", "layer-", ["--layer"], [
    "function.zip",
    "layer.zip",
    "bootstrap",
  ]);
}

/** The cache entry of one build of `main` with `flags`, built the first time its inputs are seen; `keep` lists what it holds. */
async function _shared(
  main: string,
  variant: string,
  flags: string[],
  keep: string[],
): Promise<string> {
  const folder = main.slice(0, main.lastIndexOf("/"));
  const prefix = `${folder.slice(folder.lastIndexOf("/") + 1)}-${variant}`;
  const entry = `${TEST_CACHE}/${prefix}${HOST_ARCH_BUILD}-${await inputsKey(
    [folder],
  )}`;
  await Deno.mkdir(TEST_CACHE, { recursive: true });
  using lock = await Deno.open(`${entry}.lock`, {
    write: true,
    create: true,
  });
  await lock.lock(true);
  if (!(await _exists(`${entry}/${keep[0]}`))) {
    await _buildInto(entry, main, flags, keep);
    await _removeStale(entry, prefix);
  }
  // Marks it used, so the removal of stale entries spares it.
  const now = new Date();
  await Deno.utime(entry, now, now);
  await Deno.utime(`${entry}.lock`, now, now);
  await lock.unlock();
  return entry;
}

/** A hash of every file the build reads (the entry's folder among them), the running Deno's version and the host's architecture. */
export async function inputsKey(
  entryInputs: readonly string[] = ["examples/echo"],
): Promise<string> {
  const parts: string[] = [Deno.version.deno, HOST_ARCH_BUILD];
  for (const input of [...INPUTS, ...entryInputs]) {
    for (const file of await _files(`${root}/${input}`)) {
      const bytes = await Deno.readFile(file);
      parts.push(file.slice(root.length), await _sha256(bytes));
    }
  }
  return (await _sha256(new TextEncoder().encode(parts.join("\n"))))
    .slice(0, 16);
}

/** Builds into a folder of its own, keeps only `keep`, and renames it into place in one step. */
async function _buildInto(
  entry: string,
  main: string,
  flags: string[],
  keep: string[],
): Promise<void> {
  const staging = await Deno.makeTempDir({
    dir: TEST_CACHE,
    prefix: "staging-",
  });
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-P=build",
        "--allow-sys=uid",
        "--no-prompt",
        `${root}/scripts/build.ts`,
        `--entry=${root}/${main}`,
        ...flags,
        `--target=${HOST_ARCH_BUILD}`,
        `--out=${staging}/dist`,
        `--cache-dir=${TEST_CACHE}`,
      ],
      cwd: root,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(`the build failed: ${new TextDecoder().decode(stderr)}`);
    }
    await Deno.mkdir(`${staging}/entry`);
    for (const file of keep) {
      await Deno.rename(
        `${staging}/dist/${HOST_ARCH_BUILD}/${file}`,
        `${staging}/entry/${file}`,
      );
    }
    await _renameUnlessThere(`${staging}/entry`, entry, keep);
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}

/** Renames `from` to `to`; a `to` another process put there first (its lock removed as stale) is as good. */
async function _renameUnlessThere(
  from: string,
  to: string,
  keep: string[],
): Promise<void> {
  try {
    await Deno.rename(from, to);
  } catch (error) {
    if (!(await _exists(`${to}/${keep[0]}`))) throw error;
  }
}

/** Removes the entries of `prefix` (and their locks) nobody has used for a while, other than `keep`. */
async function _removeStale(keep: string, prefix: string): Promise<void> {
  const name = keep.slice(TEST_CACHE.length + 1);
  for await (const item of Deno.readDir(TEST_CACHE)) {
    if (!item.name.startsWith(`${prefix}-`) || item.name.startsWith(name)) {
      continue;
    }
    const path = `${TEST_CACHE}/${item.name}`;
    try {
      const { mtime } = await Deno.stat(path);
      if (mtime && Date.now() - mtime.getTime() > STALE_MS) {
        await Deno.remove(path, { recursive: true });
      }
    } catch (error) {
      // Another process removed it first.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

/** Every file under `path` (or `path` itself), sorted. */
async function _files(path: string): Promise<string[]> {
  const info = await Deno.stat(path);
  if (info.isFile) return [path];
  const found: string[] = [];
  for await (const item of Deno.readDir(path)) {
    found.push(...await _files(`${path}/${item.name}`));
  }
  return found.sort();
}

async function _sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

async function _exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
