/**
 * The zip to deploy: its bytes, sizes and SHA-256 (as Lambda's `CodeSha256`).
 *
 * @module
 */

import { DeployError } from "./errors.ts";

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
  /** The sum of the files' sizes, from the central directory. */
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
    unzipped: _unzippedSize(bytes, path),
    sha256: btoa(String.fromCharCode(...digest)),
  };
}

/** A size as people read it. */
export function formatSize(bytes: number): string {
  return bytes >= 1048576
    ? `${(bytes / 1048576).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}

function _unzippedSize(zip: Uint8Array, path: string): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) {
    throw new DeployError(
      `${path} is not a zip`,
      "Deploy the function.zip the build writes.",
    );
  }
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  let total = 0;
  for (let i = 0; i < count && at + 46 <= zip.length; i++) {
    total += view.getUint32(at + 24, true);
    at += 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) +
      view.getUint16(at + 32, true);
  }
  return total;
}
