// A deployment package named by S3Bucket/S3Key, read from a local S3 with an unsigned path-style GET.
import { invalidParameter, LambdaApiError } from "./_control_plane_api.ts";

/** Where a function's code is in S3. */
export interface S3Location {
  bucket: string;
  key: string;
  version: string | undefined;
}

/** Reads the object at `location` from the S3 at `endpoint`; errors worded as Lambda words them. */
export async function readS3Code(
  endpoint: string | undefined,
  location: S3Location,
): Promise<Uint8Array> {
  if (endpoint === undefined) {
    throw invalidParameter(
      "The local control plane reads S3Bucket/S3Key code from a local S3, and none is set: " +
        "start the emulator with --s3-endpoint URL (or AWS_ENDPOINT_URL_S3), or send the code as ZipFile",
    );
  }
  const path = location.key.split("/").map(encodeURIComponent).join("/");
  const url = new URL(
    `${endpoint.replace(/\/$/, "")}/${
      encodeURIComponent(location.bucket)
    }/${path}`,
  );
  if (location.version !== undefined) {
    url.searchParams.set("versionId", location.version);
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw invalidParameter(
      `Error occurred while GetObject: the S3 endpoint ${endpoint} did not answer (${
        error instanceof Error ? error.message : String(error)
      }): start the local S3, or pass the emulator the --s3-endpoint it listens on`,
    );
  }
  if (!response.ok) {
    const text = await response.text();
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ??
      `HTTP ${response.status}`;
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? "";
    throw invalidParameter(
      `Error occurred while GetObject. S3 Error Code: ${code}. S3 Error Message: ${message}`,
    );
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** The S3 location in a `Code` (or UpdateFunctionCode) body, when it names one. */
export function s3Location(
  body: Record<string, unknown>,
): S3Location | undefined {
  const { S3Bucket: bucket, S3Key: key, S3ObjectVersion: version } = body;
  if (bucket === undefined && key === undefined) return undefined;
  if (typeof bucket !== "string" || typeof key !== "string") {
    throw invalidParameter(
      "S3Bucket and S3Key go together: give both, or the code as ZipFile",
    );
  }
  if (version !== undefined && typeof version !== "string") {
    throw invalidParameter("S3ObjectVersion must be a string");
  }
  return { bucket, key, version };
}

/** Lambda's limit on a request carrying a zip: 50 MB of zip, base64-encoded in JSON. */
export const REQUEST_LIMIT = 69905067;
/** Lambda's limit on a package's unzipped size: 250 MB, counted by the zip reader on the bytes it inflates. */
export { UNZIPPED_LIMIT } from "../zip.ts";

/** The 413 Lambda answers for a request over {@linkcode REQUEST_LIMIT}. */
export function requestTooLarge(operation: string): LambdaApiError {
  return new LambdaApiError(
    413,
    "RequestEntityTooLargeException",
    `Request must be smaller than ${REQUEST_LIMIT} bytes for the ${operation} operation`,
  );
}
