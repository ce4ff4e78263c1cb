// Symlink entries: their targets read and followed inside the archive's tree, then made as links (kept, as Lambda keeps them).
import type { CatalogEntry } from "./_catalog.ts";
import { entryData, type InflateBudget } from "./_entry_data.ts";
import { outside } from "./_names.ts";
import type { ByteSource } from "./_source.ts";
import { corrupt } from "./_bytes.ts";

/** The longest target a link may hold (Linux's PATH_MAX less its terminator). */
const _TARGET_LIMIT = 4095;

/** The symlink entries' targets by path; refuses any that leaves the folder. */
export async function readLinks(
  source: ByteSource,
  entries: CatalogEntry[],
  budget: InflateBudget,
): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const entry of entries) {
    if (entry.kind !== "symlink") continue;
    if (entry.size > _TARGET_LIMIT) {
      corrupt(`holds a link target too long: ${entry.name}`);
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of entryData(source, entry, budget)) {
      chunks.push(chunk);
    }
    try {
      const decoder = new TextDecoder("utf-8", { fatal: true });
      links.set(
        entry.path,
        decoder.decode(await new Blob(chunks as BlobPart[]).bytes()),
      );
    } catch (error) {
      corrupt(
        `holds a link target that is not UTF-8: ${entry.name} (${error})`,
      );
    }
  }
  for (const [path, target] of links) checkLinkTarget(path, target, links);
  return links;
}

/**
 * Follows a symlink's target inside the archive's own tree (other symlinks
 * in it included) and refuses it when it leaves the folder: absolute, or
 * `..` past the top.
 */
export function checkLinkTarget(
  path: string,
  target: string,
  links: ReadonlyMap<string, string>,
): void {
  const at = path.split("/").slice(0, -1);
  let rest = target.split("/");
  if (target === "" || target.includes("\0") || target.includes("\\")) {
    outside(path, `links to an invalid target: ${target}`);
  }
  for (let hops = 0; rest.length > 0;) {
    const [part, ...after] = rest;
    rest = after;
    if (target.startsWith("/") || (part === ".." && at.length === 0)) {
      outside(path, `links outside the function's folder: ${target}`);
    }
    if (part === "" || part === ".") continue;
    if (part === "..") {
      at.pop();
      continue;
    }
    at.push(part);
    const link = links.get(at.join("/"));
    if (link === undefined) continue;
    if (++hops > 40) outside(path, "links in a loop");
    at.pop();
    if (link.startsWith("/")) {
      outside(path, `links outside the function's folder: ${target}`);
    }
    rest = [...link.split("/"), ...rest];
  }
}

/**
 * Makes the links under `root`, through `ln` (Deno.symlink needs unscoped
 * read and write grants, which the emulator does not hold).
 */
export async function makeLinks(
  root: string,
  links: ReadonlyMap<string, string>,
): Promise<void> {
  const pairs = [...links].map(([path, target]) => [target, `${root}/${path}`]);
  for (let i = 0; i < pairs.length; i += 256) {
    const args = pairs.slice(i, i + 256).flat();
    const { code, stderr } = await new Deno.Command("sh", {
      args: [
        "-c",
        'while [ $# -gt 0 ]; do ln -sn -- "$1" "$2" || exit 1; shift 2; done',
        "sh",
        ...args,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(
        `Could not make the zip's links: ${
          new TextDecoder().decode(stderr).trim()
        }`,
      );
    }
  }
}
