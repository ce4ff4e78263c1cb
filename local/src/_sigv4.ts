/**
 * AWS Signature Version 4, verified: what a function URL with
 * `AuthType: AWS_IAM` checks before its function runs. The signature comes
 * from an `Authorization: AWS4-HMAC-SHA256 …` header with `X-Amz-Date`, or
 * from a presigned URL's `X-Amz-*` query; the canonical request is made as
 * SigV4 makes it for services other than S3 (dot segments resolved, the path
 * encoded twice), and the signing key derived with WebCrypto's HMAC-SHA256.
 *
 * @module
 */

/** The one key pair signatures are checked against. */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What a signature is checked against. */
export interface VerifyOptions {
  /** The known key pair; every request is refused when absent. */
  credentials: SigningCredentials | undefined;
  /** The region the credential scope must name. */
  region: string;
  /** The service the credential scope must name (`lambda`). */
  service: string;
  /** The verifier's clock, in milliseconds since the epoch. */
  now: number;
  /** The request's body, read already (the request's own stream is not read). */
  body: Uint8Array;
}

/** A request whose signature does not hold; the message says which check failed and what to fix. */
export class SignatureRefusedError extends Error {
  /** Creates the error with the reason the request is refused. */
  constructor(reason: string) {
    super(reason);
    this.name = "SignatureRefusedError";
  }
}

const _ALGORITHM = "AWS4-HMAC-SHA256";
/** How far a signed date may be from the verifier's clock, as AWS allows. */
const _SKEW_MS = 15 * 60 * 1000;
/** The longest a presigned URL may live: seven days. */
const _MAX_EXPIRES = 7 * 24 * 60 * 60;
const _DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const _encoder = new TextEncoder();

/** The parts of a signature, from the header or the query. */
interface Signed {
  accessKeyId: string;
  scope: string[];
  signedHeaders: string[];
  signature: string;
  date: string;
  /** Seconds a presigned URL lives; `undefined` for a signed header. */
  expires: number | undefined;
}

/**
 * Checks a request's SigV4 signature; resolves with the access key that
 * signed it, or rejects with a {@linkcode SignatureRefusedError} saying why.
 */
export async function verifySignature(
  request: Request,
  options: VerifyOptions,
): Promise<string> {
  const credentials = options.credentials;
  if (credentials === undefined) {
    throw new SignatureRefusedError(
      "no credentials are configured: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the emulator, and sign with the same pair",
    );
  }
  const url = new URL(request.url);
  const signed = _signedParts(request.headers, url.searchParams);
  const [shortDate, region, service, terminator] = signed.scope;
  if (signed.accessKeyId !== credentials.accessKeyId) {
    throw new SignatureRefusedError(
      `the access key ${signed.accessKeyId} is not the emulator's: sign with its AWS_ACCESS_KEY_ID (${credentials.accessKeyId})`,
    );
  }
  if (service !== options.service || terminator !== "aws4_request") {
    throw new SignatureRefusedError(
      `the credential scope names service ${service}: sign for service ${options.service}`,
    );
  }
  if (region !== options.region) {
    throw new SignatureRefusedError(
      `the credential scope names region ${region}: sign for ${options.region}, the emulator's region`,
    );
  }
  const signedAt = _parseDate(signed.date);
  if (shortDate !== signed.date.slice(0, 8)) {
    throw new SignatureRefusedError(
      `the credential scope's date ${shortDate} is not X-Amz-Date's day (${signed.date})`,
    );
  }
  _checkTime(signedAt, signed.expires, options.now);
  const missing = signed.signedHeaders.find((name) =>
    !request.headers.has(name)
  );
  if (!signed.signedHeaders.includes("host") || missing !== undefined) {
    throw new SignatureRefusedError(
      missing === undefined
        ? "SignedHeaders lacks host: sign the Host header"
        : `the signed header ${missing} is not in the request`,
    );
  }
  const bodyHash = await _sha256Hex(options.body);
  const declared = request.headers.get("x-amz-content-sha256");
  if (declared !== null && declared !== bodyHash) {
    throw new SignatureRefusedError(
      `the body's SHA-256 is not its X-Amz-Content-Sha256 (${declared}): sign the body that is sent`,
    );
  }
  const canonical = [
    request.method,
    _canonicalPath(url.pathname),
    _canonicalQuery(url.search.slice(1)),
    ...signed.signedHeaders.map((name) =>
      `${name}:${_canonicalValue(request.headers.get(name)!)}`
    ),
    "",
    signed.signedHeaders.join(";"),
    bodyHash,
  ].join("\n");
  const toSign = [
    _ALGORITHM,
    signed.date,
    signed.scope.join("/"),
    await _sha256Hex(_encoder.encode(canonical)),
  ].join("\n");
  let key: Uint8Array = _encoder.encode(`AWS4${credentials.secretAccessKey}`);
  for (const part of signed.scope) key = await _hmac(key, part);
  const expected = _hex(await _hmac(key, toSign));
  if (!_sameText(expected, signed.signature.toLowerCase())) {
    throw new SignatureRefusedError(
      "the signature does not match: sign with the emulator's AWS_SECRET_ACCESS_KEY, and send the method, path, query, signed headers and body as they were signed",
    );
  }
  return signed.accessKeyId;
}

function _signedParts(headers: Headers, query: URLSearchParams): Signed {
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const space = authorization.indexOf(" ");
    const algorithm = space < 0 ? authorization : authorization.slice(0, space);
    _checkAlgorithm(algorithm);
    const fields = new Map<string, string>();
    for (const field of authorization.slice(space + 1).split(",")) {
      const at = field.indexOf("=");
      if (at > 0) fields.set(field.slice(0, at).trim(), field.slice(at + 1));
    }
    return _parts({
      credential: fields.get("Credential"),
      signedHeaders: fields.get("SignedHeaders"),
      signature: fields.get("Signature"),
      date: headers.get("x-amz-date") ?? undefined,
      expires: undefined,
      where: "the Authorization header",
    });
  }
  if (!query.has("X-Amz-Signature")) {
    throw new SignatureRefusedError(
      "the request is not signed: an AWS_IAM URL needs AWS Signature Version 4 for service lambda (an Authorization header with X-Amz-Date, or a presigned URL)",
    );
  }
  _checkAlgorithm(query.get("X-Amz-Algorithm") ?? "(none)");
  const expires = Number(query.get("X-Amz-Expires"));
  if (!Number.isInteger(expires) || expires < 1 || expires > _MAX_EXPIRES) {
    throw new SignatureRefusedError(
      `X-Amz-Expires must be a whole number of seconds from 1 to ${_MAX_EXPIRES}, got "${
        query.get("X-Amz-Expires")
      }"`,
    );
  }
  return _parts({
    credential: query.get("X-Amz-Credential") ?? undefined,
    signedHeaders: query.get("X-Amz-SignedHeaders") ?? undefined,
    signature: query.get("X-Amz-Signature") ?? undefined,
    date: query.get("X-Amz-Date") ?? undefined,
    expires,
    where: "the presigned URL",
  });
}

function _parts(given: {
  credential: string | undefined;
  signedHeaders: string | undefined;
  signature: string | undefined;
  date: string | undefined;
  expires: number | undefined;
  where: string;
}): Signed {
  const credential = given.credential?.trim().split("/") ?? [];
  if (credential.length !== 5 || credential.some((part) => part === "")) {
    throw new SignatureRefusedError(
      `${given.where} has no well-formed Credential: expected ACCESS_KEY/YYYYMMDD/REGION/lambda/aws4_request`,
    );
  }
  const signedHeaders = given.signedHeaders?.trim();
  const signature = given.signature?.trim() ?? "";
  if (!signedHeaders || !/^[0-9a-fA-F]{64}$/.test(signature)) {
    throw new SignatureRefusedError(
      `${given.where} needs SignedHeaders and a Signature of 64 hex digits`,
    );
  }
  if (given.date === undefined) {
    throw new SignatureRefusedError(
      "the signing date is missing: send X-Amz-Date (YYYYMMDDTHHMMSSZ)",
    );
  }
  return {
    accessKeyId: credential[0],
    scope: credential.slice(1),
    signedHeaders: signedHeaders.toLowerCase().split(";"),
    signature,
    date: given.date.trim(),
    expires: given.expires,
  };
}

function _checkAlgorithm(algorithm: string): void {
  if (algorithm !== _ALGORITHM) {
    throw new SignatureRefusedError(
      `the signing algorithm is ${algorithm}: sign with ${_ALGORITHM}`,
    );
  }
}

function _parseDate(text: string): number {
  const parts = _DATE.exec(text.trim());
  const time = parts === null ? NaN : Date.UTC(
    Number(parts[1]),
    Number(parts[2]) - 1,
    Number(parts[3]),
    Number(parts[4]),
    Number(parts[5]),
    Number(parts[6]),
  );
  if (Number.isNaN(time)) {
    throw new SignatureRefusedError(
      `X-Amz-Date must be YYYYMMDDTHHMMSSZ, got "${text}"`,
    );
  }
  return time;
}

/** A signed request is good within 15 minutes of the clock; a presigned URL from its date (give or take 15 minutes) until it expires. */
function _checkTime(
  signedAt: number,
  expires: number | undefined,
  now: number,
): void {
  const at = new Date(signedAt).toISOString();
  const clock = new Date(now).toISOString();
  if (signedAt - now > _SKEW_MS) {
    throw new SignatureRefusedError(
      `the request is signed at ${at}, more than 15 minutes ahead of the emulator's clock (${clock})`,
    );
  }
  if (expires === undefined && now - signedAt > _SKEW_MS) {
    throw new SignatureRefusedError(
      `the request is signed at ${at}, more than 15 minutes before the emulator's clock (${clock}): sign it again`,
    );
  }
  if (expires !== undefined && now > signedAt + expires * 1000) {
    throw new SignatureRefusedError(
      `the presigned URL expired at ${
        new Date(signedAt + expires * 1000).toISOString()
      } (the emulator's clock is ${clock}): presign it again`,
    );
  }
}

/** The path as SigV4 canonicalises it for services other than S3: dot segments resolved, then encoded (a second time). */
function _canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : "";
  return _escape(`/${segments.join("/")}${trailing}`).replace(/%2F/g, "/");
}

/** The query's pairs, decoded and encoded again as SigV4 does, sorted by name then value; the signature itself left out. */
function _canonicalQuery(search: string): string {
  const pairs: [string, string][] = [];
  for (const part of search.split("&")) {
    if (part === "") continue;
    const at = part.indexOf("=");
    const [name, value] = at < 0
      ? [part, ""]
      : [part.slice(0, at), part.slice(at + 1)];
    let decoded: [string, string];
    try {
      decoded = [decodeURIComponent(name), decodeURIComponent(value)];
    } catch {
      throw new SignatureRefusedError(
        `the query has a malformed percent-encoding: ${part}`,
      );
    }
    if (decoded[0].toLowerCase() === "x-amz-signature") continue;
    pairs.push([_escape(decoded[0]), _escape(decoded[1])]);
  }
  pairs.sort(([a, x], [b, y]) =>
    a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0
  );
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

function _canonicalValue(value: string): string {
  return value.replace(/\s+/g, " ").trim();
}

/** RFC 3986 encoding: what `encodeURIComponent` leaves of `!'()*` encoded too. */
function _escape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

async function _hmac(key: Uint8Array, text: string): Promise<Uint8Array> {
  const imported = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(
    await crypto.subtle.sign("HMAC", imported, _encoder.encode(text)),
  );
}

async function _sha256Hex(bytes: Uint8Array): Promise<string> {
  return _hex(
    new Uint8Array(
      await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
    ),
  );
}

function _hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(
    "",
  );
}

/** Compares in time that does not depend on where the texts differ. */
function _sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) {
    difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  }
  return difference === 0;
}
