// A zip's entries, checked before any byte is inflated: end records, central directory, names, local headers, no overlaps.
import { readCentralDirectory } from "./_central_directory.ts";
import { findDirectory } from "./_end_record.ts";
import { dataOffset } from "./_local_header.ts";
import { type PlacedEntry, placeEntries } from "./_names.ts";
import type { ByteSource } from "./_source.ts";
import { corrupt } from "./_bytes.ts";
import { pause } from "./_pause.ts";

/** An entry ready to read: its checked path and where its data is. */
export type CatalogEntry = PlacedEntry & { dataOffset: number };

/** The entries of the zip in `source`, in archive order; refuses an empty or damaged zip, or one whose entries overlap. */
export async function readCatalog(source: ByteSource): Promise<CatalogEntry[]> {
  const location = await findDirectory(source);
  const placed = placeEntries(await readCentralDirectory(source, location));
  const entries: CatalogEntry[] = [];
  for (const [i, entry] of placed.entries()) {
    if (i % 4096 === 4095) await pause();
    if (entry.kind === "directory" && entry.size !== 0) {
      corrupt(`holds data for the folder ${entry.name}`);
    }
    if (entry.method === 0 && entry.compressedSize !== entry.size) {
      corrupt(`stores ${entry.name} with two sizes`);
    }
    entries.push({ ...entry, dataOffset: await dataOffset(source, entry) });
  }
  _refuseOverlaps(entries, location.offset);
  return entries;
}

/** Each entry's header and data must end before the next begins: shared data is how a small zip inflates many times over. */
function _refuseOverlaps(entries: CatalogEntry[], directoryOffset: number) {
  const sorted = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  sorted.forEach((entry, i) => {
    const end = entry.dataOffset + entry.compressedSize;
    const next = sorted[i + 1]?.localOffset ?? directoryOffset;
    if (end > next) corrupt(`has entries that overlap at ${entry.name}`);
  });
}
