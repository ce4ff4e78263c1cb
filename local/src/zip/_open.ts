// What every read of a package starts with: its bytes, its checked catalog, the inflate budget, and its links resolved.
import { type CatalogEntry, readCatalog } from "./_catalog.ts";
import { InflateBudget } from "./_entry_data.ts";
import { readLinks } from "./_links.ts";
import { type ByteSource, byteSource, type ZipSource } from "./_source.ts";
import { UNZIPPED_LIMIT } from "./errors.ts";
import type { ZipReadOptions } from "./options.ts";

/** A package opened for reading. */
export interface OpenedZip {
  bytes: ByteSource;
  entries: CatalogEntry[];
  budget: InflateBudget;
  links: Map<string, string>;
}

/** Opens `source`: the catalog read and checked, the symlinks followed within the budget. */
export async function openZip(
  source: ZipSource,
  options: ZipReadOptions,
): Promise<OpenedZip> {
  const bytes = byteSource(source);
  const entries = await readCatalog(bytes);
  const budget = new InflateBudget(
    options.limit ?? UNZIPPED_LIMIT,
    options.onInflate,
  );
  const links = await readLinks(bytes, entries, budget);
  return { bytes, entries, budget, links };
}
