/**
 * Deployment packages read as Lambda reads them: one streaming reader for
 * every path that takes a zip (the control plane's `ZipFile` and S3 code,
 * the deploy tool's check). It follows the zip64 end record and fields,
 * counts the unzipped size on the bytes actually inflated and stops at the
 * limit, checks each entry's declared size and CRC-32, refuses paths and
 * symlinks that leave the function's folder, and keeps symlinks and modes.
 *
 * @example
 * ```ts
 * import { InvalidZipError, validateZip } from "@rtl/lambda-local/zip";
 * import assert from "node:assert/strict";
 *
 * const error = await validateZip(new TextEncoder().encode("not a zip")).catch((e) => e);
 * assert.ok(error instanceof InvalidZipError);
 * assert.equal(
 *   error.lambdaMessage,
 *   "Could not unzip uploaded file. Please check your file, then try to upload again.",
 * );
 * ```
 *
 * @module
 */

export {
  EmptyZipError,
  InvalidZipError,
  UNZIPPED_LIMIT,
  UnzippedSizeError,
} from "./src/zip/errors.ts";
export type { ZipSource } from "./src/zip/_source.ts";
export type { ZipReadOptions } from "./src/zip/options.ts";
export { unpackZip } from "./src/zip/unpack.ts";
export { validateZip } from "./src/zip/validate.ts";
