/**
 * A cold disk without privileges: a file's pages dropped from the page
 * cache with `posix_fadvise(POSIX_FADV_DONTNEED)`, which GNU `dd` calls for
 * `iflag=nocache` (with `count=0`, for the whole file and nothing read), and
 * the bytes of a file in the page cache read with util-linux's `fincore`.
 * Dirty pages are not dropped, so a file just written is flushed first.
 *
 * @module
 */

/** What this machine offers for the cold disk. */
export interface ColdDiskTools {
  /** `dd` drops a file's cached pages (GNU coreutils' `iflag=nocache`). */
  evict: boolean;
  /** `fincore` reports the bytes of a file in the page cache. */
  resident: boolean;
}

/**
 * Checks once whether `dd iflag=nocache` and `fincore` work here (busybox's
 * `dd` and macOS have neither).
 *
 * @example
 * ```ts ignore
 * const { evict } = await coldDiskTools();
 * ```
 */
export async function coldDiskTools(): Promise<ColdDiskTools> {
  const evict = await _succeeds("sh", [
    "-c",
    "dd if=/dev/null iflag=nocache count=0 status=none",
  ]);
  const resident = await _succeeds("fincore", ["--version"]);
  return { evict, resident };
}

/**
 * Flushes `files` to disk (`fdatasync`), so that eviction can drop their
 * pages: the kernel keeps a page that is not yet written.
 *
 * @example
 * ```ts ignore
 * await flushFiles(["/tmp/task/deno"]);
 * ```
 */
export async function flushFiles(files: readonly string[]): Promise<void> {
  for (const file of files) {
    using handle = await Deno.open(file, { read: true });
    await handle.syncData();
  }
}

/**
 * Drops every page of `files` from the page cache, in one `sh` running
 * `dd iflag=nocache count=0` per file. Pages mapped by a live process stay.
 *
 * @example
 * ```ts ignore
 * await evictFiles(["/tmp/task/deno", "/tmp/task/main.js"]);
 * ```
 */
export async function evictFiles(files: readonly string[]): Promise<void> {
  if (files.length === 0) return;
  const output = await new Deno.Command("sh", {
    args: [
      "-c",
      'for f do dd if="$f" iflag=nocache count=0 status=none || exit 1; done',
      "sh",
      ...files,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new ColdDiskError(
      `dd iflag=nocache failed: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
}

/**
 * The bytes of `file` in the page cache (`fincore --bytes`), `NaN` when
 * `fincore` cannot say.
 *
 * @example
 * ```ts ignore
 * const bytes = await residentBytes("/tmp/task/deno");
 * ```
 */
export async function residentBytes(file: string): Promise<number> {
  const output = await new Deno.Command("fincore", {
    args: ["--bytes", "--noheadings", "--raw", "--output=RES", file],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  if (output === undefined || !output.success) return NaN;
  const text = new TextDecoder().decode(output.stdout).trim();
  return text === "" ? NaN : Number(text);
}

/**
 * Every regular file under `path` (or `path` itself when it is a file), by
 * real path, so that a symlink's target is what gets evicted.
 *
 * @example
 * ```ts ignore
 * const files = await filesUnder("/tmp/task");
 * ```
 */
export async function filesUnder(path: string): Promise<string[]> {
  const real = await Deno.realPath(path);
  const info = await Deno.stat(real);
  if (info.isFile) return [real];
  const files: string[] = [];
  for await (const entry of Deno.readDir(real)) {
    if (entry.isFile || entry.isDirectory || entry.isSymlink) {
      files.push(...await filesUnder(`${real}/${entry.name}`).catch(() => []));
    }
  }
  return files;
}

/** Eviction failed; `dd`'s message says why. */
export class ColdDiskError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ColdDiskError";
  }
}

async function _succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    const output = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return output.success;
  } catch {
    return false;
  }
}
