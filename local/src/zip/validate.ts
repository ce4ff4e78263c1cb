// A package checked as unpacking would check it, with nothing written.
import { openZip } from "./_open.ts";
import { entryData } from "./_entry_data.ts";
import type { ZipSource } from "./_source.ts";
import type { ZipReadOptions } from "./options.ts";

/**
 * Reads a deployment package as Lambda does, writing nothing, and returns
 * its unzipped size: the bytes its entries actually inflate to. Every entry
 * is inflated (a slice at a time, the event loop free between slices) and
 * must match its declared size and CRC-32; the count stops as soon as it
 * passes `options.limit`. Throws an {@linkcode InvalidZipError} (or its
 * {@linkcode EmptyZipError} and {@linkcode UnzippedSizeError}) whose
 * `lambdaMessage` is what Lambda answers.
 *
 * @example
 * ```ts
 * import { EmptyZipError, validateZip } from "@rtl/lambda-local/zip";
 * import assert from "node:assert/strict";
 *
 * const empty = new Uint8Array([0x50, 0x4b, 5, 6, ...new Array(18).fill(0)]);
 * await assert.rejects(validateZip(empty), EmptyZipError);
 * ```
 */
export async function validateZip(
  source: ZipSource,
  options: ZipReadOptions = {},
): Promise<number> {
  const { bytes, entries, budget } = await openZip(source, options);
  for (const entry of entries) {
    if (entry.kind !== "file") continue;
    for await (const _ of entryData(bytes, entry, budget)) {
      // Counted and checked by entryData; nothing kept.
    }
  }
  return budget.inflated;
}
