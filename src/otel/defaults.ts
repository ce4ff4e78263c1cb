/**
 * The OpenTelemetry SDK settings a function starts with when `OTEL_DENO=true`
 * and it does not set them itself. Deno reads them once, at start, so the
 * build's bootstrap (and a launcher of its own) sets them before Deno runs.
 *
 * @module
 */

/**
 * Each variable with the value it gets when unset:
 * - `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE` = 1:
 *   each ended span and each log leaves at once, not after the batch delay
 *   (5 s and 1 s), which a frozen sandbox would outwait;
 * - `OTEL_TRACES_SAMPLER` = `parentbased_always_on` (the specification's
 *   default; Deno's is `always_on`): a span under an unsampled parent is not
 *   recorded, which keeps the runtime's own Runtime API requests out of traces.
 *
 * @example
 * ```ts
 * import { OTEL_DEFAULTS } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * assert.equal(OTEL_DEFAULTS.OTEL_TRACES_SAMPLER, "parentbased_always_on");
 * ```
 */
export const OTEL_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1",
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "1",
  OTEL_TRACES_SAMPLER: "parentbased_always_on",
});
