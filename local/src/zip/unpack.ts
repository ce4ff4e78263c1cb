// A package unpacked into a fresh folder beside the target, renamed into place only when every entry checked out.
import { openZip } from "./_open.ts";
import { entryData, type InflateBudget } from "./_entry_data.ts";
import { makeLinks } from "./_links.ts";
import type { ByteSource, ZipSource } from "./_source.ts";
import type { CatalogEntry } from "./_catalog.ts";
import type { ZipReadOptions } from "./options.ts";

/**
 * Unpacks a deployment package into `directory` (which must not exist yet,
 * or be empty; its parent must exist) as Lambda does, and returns its
 * unzipped size. The checks of {@linkcode validateZip} hold; symlinks are
 * kept when they resolve inside the folder; files keep their recorded
 * permission bits less write bits (Lambda's task root is read-only; 0444
 * when none are recorded). Entries land in a new folder beside `directory`
 * that is renamed into place at the end, and removed on any failure:
 * nothing is left behind.
 *
 * @example
 * ```ts ignore
 * import { unpackZip } from "@rtl/lambda-local/zip";
 *
 * const bytes = await unpackZip(await Deno.readFile("function.zip"), "/tmp/task");
 * console.log(`${bytes} bytes unzipped into /tmp/task`);
 * ```
 */
export async function unpackZip(
  source: ZipSource,
  directory: string,
  options: ZipReadOptions = {},
): Promise<number> {
  const { bytes, entries, budget, links } = await openZip(source, options);
  const target = directory.replace(/(.)\/+$/, "$1");
  const slash = target.lastIndexOf("/");
  const staging = await Deno.makeTempDir({
    dir: slash < 0 ? "." : target.slice(0, slash) || "/",
    prefix: `.${target.slice(slash + 1)}.unpacking-`,
  });
  try {
    for (const entry of entries) await _write(bytes, entry, staging, budget);
    for (const path of links.keys()) await _mkdirFor(`${staging}/${path}`);
    await makeLinks(staging, links);
    await Deno.chmod(staging, 0o755);
    await Deno.rename(staging, target);
  } catch (error) {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    throw error;
  }
  return budget.inflated;
}

/** Writes a folder or a file (its bytes as they inflate); links come last. */
async function _write(
  source: ByteSource,
  entry: CatalogEntry,
  root: string,
  budget: InflateBudget,
): Promise<void> {
  const path = `${root}/${entry.path}`;
  if (entry.kind === "directory") {
    await Deno.mkdir(path, { recursive: true });
    return;
  }
  if (entry.kind !== "file") return;
  await _mkdirFor(path);
  {
    // createNew: never through a link or over an entry already written.
    using file = await Deno.open(path, { write: true, createNew: true });
    for await (const chunk of entryData(source, entry, budget)) {
      for (let at = 0; at < chunk.length;) {
        at += await file.write(chunk.subarray(at));
      }
    }
  }
  await Deno.chmod(path, (entry.mode || 0o644) & 0o555);
}

function _mkdirFor(path: string): Promise<void> {
  return Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
}
