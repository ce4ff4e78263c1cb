/**
 * Order statistics for the bench: medians across rounds, percentiles of
 * per-invocation overheads.
 *
 * @module
 */

/**
 * The `p`-th percentile (0–100) of `values`, nearest-rank; `NaN` when empty.
 *
 * @example
 * ```ts
 * import { percentile } from "./stats.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(percentile(new Float64Array([3, 1, 2, 4]), 50), 2);
 * assert.equal(percentile(new Float64Array([3, 1, 2, 4]), 100), 4);
 * ```
 */
export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = values.slice().sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * The median of `values`, ignoring `NaN`s; `NaN` when nothing is left.
 *
 * @example
 * ```ts
 * import { median } from "./stats.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(median([5, 1, 3]), 3);
 * assert.equal(median([4, 1, 3, 2]), 2.5);
 * ```
 */
export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) =>
    a - b
  );
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}
