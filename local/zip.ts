/**
 * Deployment packages read as Lambda reads them.
 *
 * @module
 */

export { InvalidZipError, unpackZip, unzippedSize } from "./src/_unzip.ts";
