/**
 * The zip to deploy: its bytes, sizes and SHA-256 (as Lambda's `CodeSha256`).
 *
 * @module
 */

import { DeployError } from "./errors.ts";
import {
  InvalidZipError,
  UnzippedSizeError,
  validateZip,
} from "@rtl/lambda-local/zip";

/** Lambda's direct upload limit for a zip. */
export const DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024;

/** A read deployment package. */
export interface Package {
  /** Its path. */
  path: string;
  /** Its bytes. */
  bytes: Uint8Array;
  /** Zipped size. */
  zipped: number;
  /** The bytes its entries inflate to, each checked against its declared size and CRC-32. */
  unzipped: number;
  /** Base64 SHA-256, as Lambda reports it. */
  sha256: string;
}

/** Reads the zip; a `DeployError` when it is missing or not a zip. */
export async function readPackage(path: string): Promise<Package> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new DeployError(
      `Cannot read the zip ${path}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      "Build it first (deno task build), or pass --zip FILE.",
      { cause: error },
    );
  }
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as BufferSource),
  );
  return {
    path,
    bytes,
    zipped: bytes.byteLength,
    unzipped: await _unzippedSize(bytes, path),
    sha256: btoa(String.fromCharCode(...digest)),
  };
}

/** The S3 key `--bucket` uploads a package to: one per function and content, so a re-upload of the same zip is the same object. */
export function s3Key(name: string, sha256: string): string {
  const hex = Array.from(
    atob(sha256),
    (c) => c.charCodeAt(0).toString(16).padStart(2, "0"),
  ).join("");
  return `${name}/${hex}.zip`;
}

/** A size as people read it. */
export function formatSize(bytes: number): string {
  return bytes >= 1048576
    ? `${(bytes / 1048576).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}

async function _unzippedSize(zip: Uint8Array, path: string): Promise<number> {
  try {
    return await validateZip(zip);
  } catch (error) {
    if (!(error instanceof InvalidZipError)) throw error;
    throw error instanceof UnzippedSizeError
      ? new DeployError(
        `${path}: ${error.lambdaMessage}`,
        "Leave files out of the package, or move them to a layer.",
        { cause: error },
      )
      : new DeployError(
        `${path} is not a zip Lambda can unpack: ${error.message}`,
        "Deploy the function.zip the build writes.",
        { cause: error },
      );
  }
}
