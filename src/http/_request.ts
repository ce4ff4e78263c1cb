/**
 * The last step of every event → `Request` conversion: the parts into a
 * web `Request`, the body as bytes (no invented `Content-Type`), its length
 * the body's, and whatever the constructor refuses turned into an
 * `HttpRequestError`.
 *
 * @module
 */

import { HttpRequestError } from "./errors.ts";

/** The parts of a request, as the adapters have worked them out. */
export interface RequestParts {
  /** The method, upper-case. */
  method: string;
  /** The absolute URL. */
  url: string;
  /** The headers. */
  headers: Headers;
  /** The body; `null` for none. */
  body: string | Uint8Array<ArrayBuffer> | null;
  /** The request's signal. */
  signal?: AbortSignal;
}

const _encoder = new TextEncoder();

/**
 * Builds the `Request`. A method the fetch standard forbids (`CONNECT`,
 * `TRACE`) or a URL that does not parse throws an {@linkcode HttpRequestError}.
 */
export function buildRequest(parts: RequestParts): Request {
  // Bytes, since a string body makes `new Request` add `text/plain;charset=UTF-8`.
  const body = typeof parts.body === "string"
    ? _encoder.encode(parts.body)
    : parts.body;
  const headers = parts.headers;
  if (headers.has("content-length")) {
    headers.set("content-length", String(body?.byteLength ?? 0));
  }
  try {
    return new Request(parts.url, {
      method: parts.method,
      headers,
      body,
      signal: parts.signal,
    });
  } catch (error) {
    throw new HttpRequestError(
      `No web Request can be built for ${parts.method} ${parts.url} (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error },
    );
  }
}
