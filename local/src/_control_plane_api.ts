// The Lambda API's wire details the control plane shares: errors, ARNs, names, timestamps.
import { parseFunctionName as parseName } from "./function_name.ts";

/** An error the Lambda API answers with its type in `X-Amzn-ErrorType`. */
export class LambdaApiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The API's error type, e.g. `ResourceNotFoundException`. */
  readonly type: string;
  /** Creates the error. */
  constructor(status: number, type: string, message: string) {
    super(message);
    this.name = "LambdaApiError";
    this.status = status;
    this.type = type;
  }
}

/** The response an API error becomes, as Lambda shapes it. */
export function errorResponse(error: LambdaApiError): Response {
  return Response.json({ Type: "User", message: error.message }, {
    status: error.status,
    headers: {
      "x-amzn-errortype": error.type,
      "x-amzn-requestid": crypto.randomUUID(),
    },
  });
}

/** A JSON answer with a request id. */
export function jsonResponse(body: unknown, status = 200): Response {
  return Response.json(body, {
    status,
    headers: { "x-amzn-requestid": crypto.randomUUID() },
  });
}

/** The 404 Lambda gives for a function it does not have. */
export function notFound(what: string): LambdaApiError {
  return new LambdaApiError(
    404,
    "ResourceNotFoundException",
    `Function not found: ${what}`,
  );
}

/** The 409 Lambda gives while a function is being created or updated. */
export function updateInProgress(arn: string): LambdaApiError {
  return new LambdaApiError(
    409,
    "ResourceConflictException",
    `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`,
  );
}

/** A 400 for a bad parameter. */
export function invalidParameter(message: string): LambdaApiError {
  return new LambdaApiError(400, "InvalidParameterValueException", message);
}

/** The function name and qualifier in a path segment: a name, `name:qualifier`, or a partial or full ARN. */
export function parseFunctionName(
  segment: string,
  query: URLSearchParams,
): { name: string; qualifier: string | undefined } {
  const text = decodeURIComponent(segment);
  const parsed = parseName(text) ?? { name: text, qualifier: undefined };
  return {
    name: parsed.name,
    qualifier: query.get("Qualifier") ?? parsed.qualifier,
  };
}

/** Lambda's timestamp format: `2024-05-01T12:00:00.000+0000`. */
export function timestamp(date: Date): string {
  return date.toISOString().replace("Z", "+0000");
}

/** Base64 of the SHA-256 of `bytes`, as `CodeSha256` carries it. */
export async function sha256Base64(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as BufferSource),
  );
  return btoa(String.fromCharCode(...digest));
}

/** Decodes the base64 `ZipFile` of a request body. */
export function decodeBase64(text: string): Uint8Array {
  try {
    // Native where V8 has it: a 50 MB package decodes in milliseconds, not seconds.
    const native = (Uint8Array as { fromBase64?: (text: string) => Uint8Array })
      .fromBase64;
    return native
      ? native(text)
      : Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw invalidParameter("ZipFile is not base64");
  }
}

/** The request's JSON body; an API error when it is not an object, or is over `tooLarge.bytes`. */
export async function readJson(
  request: Request,
  tooLarge?: { bytes: number; error: () => LambdaApiError },
): Promise<Record<string, unknown>> {
  // Read whole before refusing: a client still sending would see a reset, not the error.
  const text = await request.text();
  if (tooLarge !== undefined && text.length > tooLarge.bytes) {
    throw tooLarge.error();
  }
  if (text === "") return {};
  try {
    const value = JSON.parse(text);
    if (value !== null && typeof value === "object") return value;
  } catch {
    // Answered below.
  }
  throw new LambdaApiError(
    400,
    "InvalidRequestContentException",
    "Could not parse request body into json",
  );
}
