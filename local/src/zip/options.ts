// How much a package may inflate to, and who hears about it.

/**
 * Options of {@linkcode unpackZip} and {@linkcode validateZip}.
 *
 * @example
 * ```ts
 * import type { ZipReadOptions } from "@rtl/lambda-local/zip";
 *
 * let inflated = 0;
 * const options: ZipReadOptions = { limit: 1_000_000, onInflate: (bytes) => inflated += bytes };
 * ```
 */
export interface ZipReadOptions {
  /** The most bytes all entries may inflate to, counted as they inflate; Lambda's 262144000 when absent. */
  limit?: number;
  /** Hears the length of each chunk as it is inflated: how far a refused package got. */
  onInflate?: (bytes: number) => void;
}
