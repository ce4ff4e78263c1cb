// Deno keys its caches by module URL; a cache made for one task root is re-keyed for another.
import { DatabaseSync } from "node:sqlite";

/** The cache files that carry over to another start, and the table that names modules in each. */
export const SHIPPED_CACHES: readonly (readonly [string, string])[] = [
  ["v8_code_cache_v2", "codecache"],
  ["dep_analysis_cache_v2", "moduleinfocache"],
];

/**
 * Re-keys the shipped caches in folder `cache` from modules under `from` to
 * the same modules under `to`, as one self-contained file each (no WAL
 * beside it: the task root is read-only). Missing files are skipped.
 */
export function rekeyCaches(cache: string, from: string, to: string): void {
  const fromUrl = new URL(`file://${from}/`).href;
  const toUrl = new URL(`file://${to}/`).href;
  for (const [file, table] of SHIPPED_CACHES) {
    let db: DatabaseSync;
    try {
      Deno.statSync(`${cache}/${file}`);
      db = new DatabaseSync(`${cache}/${file}`);
    } catch {
      continue;
    }
    db.prepare(
      `UPDATE ${table} SET specifier = ? || substr(specifier, ?) WHERE substr(specifier, 1, ?) = ?`,
    ).run(toUrl, fromUrl.length + 1, fromUrl.length, fromUrl);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;");
    db.close();
  }
}
