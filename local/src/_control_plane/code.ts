// A function's code: the zip a request gives (inline, or in the local S3), checked against Lambda's limits.
import { InvalidZipError, validateZip } from "../../zip.ts";
import { readS3Code, s3Location, UNZIPPED_LIMIT } from "../_s3_code.ts";
import { invalidParameter } from "./errors.ts";
import { decodeBase64 } from "./wire.ts";

/** The zip of a `Code` (or UpdateFunctionCode) body: inline, or read from the local S3 at `s3Endpoint`. */
export async function zipOf(
  source: unknown,
  s3Endpoint: string | undefined,
): Promise<Uint8Array> {
  return (await codeOf(source, s3Endpoint)).zip;
}

/** The zip of a `Code` body and its unzipped size, checked as Lambda checks a package. */
export async function codeOf(
  source: unknown,
  s3Endpoint: string | undefined,
): Promise<{ zip: Uint8Array; unzipped: number }> {
  const zip = await zipBytesOf(source, s3Endpoint);
  return { zip, unzipped: await _validate(zip) };
}

/** The zip a `Code` or layer `Content` body names, not yet checked. */
export async function zipBytesOf(
  source: unknown,
  s3Endpoint: string | undefined,
): Promise<Uint8Array> {
  const body =
    (typeof source === "object" && source !== null ? source : {}) as Record<
      string,
      unknown
    >;
  const location = s3Location(body);
  if (location !== undefined && body.ZipFile !== undefined) {
    throw invalidParameter(
      "Give the code as ZipFile or as S3Bucket and S3Key, not both",
    );
  }
  return location === undefined
    ? _inlineZip(body)
    : await readS3Code(s3Endpoint, location);
}

async function _validate(zip: Uint8Array): Promise<number> {
  try {
    return await validateZip(zip, { limit: UNZIPPED_LIMIT });
  } catch (error) {
    if (!(error instanceof InvalidZipError)) throw error;
    throw invalidParameter(error.lambdaMessage);
  }
}

function _inlineZip(code: Record<string, unknown>): Uint8Array {
  const zipFile = code.ZipFile;
  if (typeof zipFile !== "string") {
    throw invalidParameter(
      "The code is missing: give ZipFile (the zip, base64) or S3Bucket and S3Key",
    );
  }
  return decodeBase64(zipFile);
}
