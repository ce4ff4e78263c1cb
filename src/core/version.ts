/**
 * The package version, kept equal to `deno.json`'s (a test checks).
 *
 * @module
 */

/**
 * The version of @rtl/lambda.
 *
 * @example
 * ```ts
 * import { VERSION } from "@rtl/lambda";
 * import assert from "node:assert/strict";
 *
 * assert.match(VERSION, /^\d+\.\d+\.\d+/);
 * ```
 */
export const VERSION: string = "0.1.0";
