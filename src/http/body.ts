/**
 * Bodies both ways: the event's text or base64 body into request bytes, and
 * the response's bytes into text or base64, decided by content type and
 * encoding.
 *
 * @module
 */

import { HttpRequestError } from "./errors.ts";

/**
 * Decides whether a response body goes back base64-encoded
 * (`isBase64Encoded: true`) or as text. Receives the response's headers.
 *
 * @example Everything as base64 (an API with a `*\/*` binary media type)
 * ```ts
 * import type { BinaryDecision } from "@rtl/lambda/http";
 *
 * const always: BinaryDecision = () => true;
 * ```
 */
export type BinaryDecision = (headers: Headers) => boolean;

/**
 * A response body ready for a result: text, or base64 of the bytes.
 *
 * @example
 * ```ts
 * import type { EncodedBody } from "@rtl/lambda/http";
 *
 * const body: EncodedBody = { body: "aGk=", isBase64Encoded: true };
 * ```
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

const _UTF8_CHARSETS = new Set(["utf-8", "utf8", "us-ascii", "ascii"]);

/**
 * Whether a media type is text that survives as UTF-8: `text/*`, JSON,
 * JavaScript, XML, form data, `+json` and `+xml` types, with no charset or
 * a UTF-8 (or ASCII) one. Text in another charset counts as binary, so its
 * bytes are sent untouched.
 *
 * @example
 * ```ts
 * import { isTextContentType } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isTextContentType("application/json; charset=utf-8"), true);
 * assert.equal(isTextContentType("application/problem+json"), true);
 * assert.equal(isTextContentType("text/plain; charset=iso-8859-1"), false);
 * assert.equal(isTextContentType("image/png"), false);
 * ```
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
  return essence.startsWith("text/") || _TEXT_TYPES.has(essence) ||
    essence.endsWith("+json") || essence.endsWith("+xml");
}

/**
 * The default {@linkcode BinaryDecision}: a body is binary when it has a
 * `Content-Encoding` (gzip, br, …: compressed bytes are not text), when it
 * has no `Content-Type` (unknown bytes are kept whole), or when its type is
 * not text by {@linkcode isTextContentType}.
 *
 * @example
 * ```ts
 * import { isBinaryResponse } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isBinaryResponse(new Headers({ "content-type": "text/html" })), false);
 * assert.equal(isBinaryResponse(new Headers({ "content-type": "image/png" })), true);
 * assert.equal(
 *   isBinaryResponse(new Headers({ "content-type": "text/html", "content-encoding": "gzip" })),
 *   true,
 * );
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeBody } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(encodeBody(new TextEncoder().encode("hi"), false), {
 *   body: "hi",
 *   isBase64Encoded: false,
 * });
 * assert.deepEqual(encodeBody(new Uint8Array([0xff, 0x00]), false), {
 *   body: "/wA=",
 *   isBase64Encoded: true,
 * });
 * ```
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
 *
 * @example
 * ```ts
 * import { readResponseBody } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.equal((await readResponseBody(new Response("hello"), "GET")).byteLength, 5);
 * assert.equal((await readResponseBody(new Response("hello"), "HEAD")).byteLength, 0);
 * ```
 */
export async function readResponseBody(
  response: Response,
  method: string,
): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  if (method === "HEAD" || _isBodiless(response.status)) {
    await response.body.cancel().catch(() => {});
    return new Uint8Array(0);
  }
  return await response.bytes();
}

function _isBodiless(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * Turns an event's body into a request body: `null` for `GET` and `HEAD`
 * (a web `Request` cannot carry one) and for an empty body, bytes when
 * `isBase64Encoded`, the text otherwise. Malformed base64 throws an
 * {@linkcode HttpRequestError}.
 *
 * @example
 * ```ts
 * import { decodeRequestBody } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(decodeRequestBody("aGk=", true, "POST"), new Uint8Array([104, 105]));
 * assert.equal(decodeRequestBody('{"a":1}', false, "POST"), '{"a":1}');
 * assert.equal(decodeRequestBody("ignored", false, "GET"), null);
 * ```
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
