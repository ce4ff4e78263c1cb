/**
 * The package version, kept equal to `deno.json`'s (a test checks).
 *
 * @module
 */

/**
 * The version of @rtl/lambda.
 */
export const VERSION: string = "0.1.0";
