/**
 * Bodies both ways: the event's text or base64 body into request bytes, and
 * the response's bytes into text or base64, decided by content type and
 * encoding.
 *
 * @module
 */

import { HttpRequestError } from "./errors.ts";
import { isBodiless } from "./_headers.ts";

/**
 * Decides whether a response body goes back base64-encoded
 * (`isBase64Encoded: true`) or as text. Receives the response's headers.
 */
export type BinaryDecision = (headers: Headers) => boolean;

/**
 * A response body ready for a result: text, or base64 of the bytes.
 */
export interface EncodedBody {
  /** The body: UTF-8 text, or base64 when `isBase64Encoded`. */
  body: string;
  /** Whether `body` is base64. */
  isBase64Encoded: boolean;
}

// Media types that are text although they are not text/*.
const _TEXT_TYPES = new Set([
  "application/json",
  "application/javascript",
  "application/ecmascript",
  "application/x-javascript",
  "application/xml",
  "application/x-www-form-urlencoded",
  "application/graphql",
  "application/x-ndjson",
  "application/yaml",
  "application/x-yaml",
  "application/sql",
]);

// Structured-syntax suffixes (RFC 6839, RFC 9512) whose documents are text.
const _TEXT_SUFFIXES = new Set([
  "json",
  "xml",
  "yaml",
  "json-seq",
  "jwt",
  "toml",
]);

const _UTF8_CHARSETS = new Set(["utf-8", "utf8", "us-ascii", "ascii"]);

/**
 * Whether a media type is text that survives as UTF-8: `text/*`, JSON,
 * JavaScript, XML, form data, `+json`, `+xml`, `+yaml` (and the other
 * text suffixes) types, with no charset or
 * a UTF-8 (or ASCII) one. Text in another charset counts as binary, so its
 * bytes are sent untouched.
 */
export function isTextContentType(contentType: string): boolean {
  const parts = contentType.toLowerCase().split(";");
  const essence = parts[0].trim();
  for (let i = 1; i < parts.length; i++) {
    const parameter = parts[i].trim();
    if (parameter.startsWith("charset=")) {
      const charset = parameter.slice(8).replaceAll('"', "").trim();
      if (!_UTF8_CHARSETS.has(charset)) return false;
    }
  }
  const plus = essence.lastIndexOf("+");
  return essence.startsWith("text/") || _TEXT_TYPES.has(essence) ||
    (plus !== -1 && _TEXT_SUFFIXES.has(essence.slice(plus + 1)));
}

/**
 * The default {@linkcode BinaryDecision}: a body is binary when it has a
 * `Content-Encoding` (gzip, br, …: compressed bytes are not text), when it
 * has no `Content-Type` (unknown bytes are kept whole), or when its type is
 * not text by {@linkcode isTextContentType}.
 */
export function isBinaryResponse(headers: Headers): boolean {
  const encoding = headers.get("content-encoding");
  if (encoding !== null) {
    const trimmed = encoding.trim().toLowerCase();
    if (trimmed !== "" && trimmed !== "identity") return true;
  }
  const type = headers.get("content-type");
  return type === null || !isTextContentType(type);
}

const _decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const _strictDecoder = new TextDecoder("utf-8", {
  fatal: true,
  ignoreBOM: true,
});

/**
 * Encodes response bytes for a result: base64 when `binary`, UTF-8 text
 * otherwise, and base64 anyway when the bytes are not valid UTF-8 (so
 * nothing is ever lost to replacement characters).
 */
export function encodeBody(bytes: Uint8Array, binary: boolean): EncodedBody {
  if (bytes.byteLength === 0) return { body: "", isBase64Encoded: false };
  if (!binary) {
    // The lenient decoder is ten times faster; a U+FFFD is then checked strictly.
    const text = _decoder.decode(bytes);
    if (!text.includes("\uFFFD")) return { body: text, isBase64Encoded: false };
    try {
      return { body: _strictDecoder.decode(bytes), isBase64Encoded: false };
    } catch {
      // Not UTF-8 after all: base64 keeps every byte.
    }
  }
  return { body: bytes.toBase64(), isBase64Encoded: true };
}

/**
 * Reads a response's body for a result: nothing for `HEAD` requests and
 * bodiless statuses (the stream is cancelled), otherwise every byte.
 */
export async function readResponseBody(
  response: Response,
  method: string,
): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  if (method === "HEAD" || isBodiless(response.status)) {
    await response.body.cancel().catch(() => {});
    return new Uint8Array(0);
  }
  return await response.bytes();
}

/**
 * Turns an event's body into a request body: `null` for `GET` and `HEAD`
 * (a web `Request` cannot carry one) and for an empty body, bytes when
 * `isBase64Encoded`, the text otherwise. Malformed base64 throws an
 * {@linkcode HttpRequestError}.
 */
export function decodeRequestBody(
  body: string | null | undefined,
  isBase64Encoded: boolean | undefined,
  method: string,
): string | Uint8Array<ArrayBuffer> | null {
  if (body === null || body === undefined || body === "") return null;
  if (method === "GET" || method === "HEAD") return null;
  if (!isBase64Encoded) return body;
  try {
    return Uint8Array.fromBase64(body);
  } catch (error) {
    throw new HttpRequestError(
      `The event says its body is base64, but it is not (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error },
    );
  }
}
