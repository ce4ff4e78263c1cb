/**
 * The last step of every event → `Request` conversion: the parts into a
 * web `Request` (no invented `Content-Type`), its length
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

/**
 * Builds the `Request`. A method the fetch standard forbids (`CONNECT`,
 * `TRACE`) or a URL that does not parse throws an {@linkcode HttpRequestError}.
 */
export function buildRequest(parts: RequestParts): Request {
  const { body, headers } = parts;
  if (headers.has("content-length")) {
    headers.set("content-length", String(_byteLength(body)));
  }
  const typed = headers.has("content-type");
  try {
    const request = new Request(parts.url, {
      method: parts.method,
      headers,
      body,
      signal: parts.signal,
    });
    // A string body makes `new Request` add `text/plain;charset=UTF-8`; the handler sees the event's headers only.
    if (!typed && body !== null) request.headers.delete("content-type");
    return request;
  } catch (error) {
    throw new HttpRequestError(
      `No web Request can be built for ${parts.method} ${parts.url} (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error },
    );
  }
}

function _byteLength(body: string | Uint8Array | null): number {
  if (body === null) return 0;
  if (typeof body !== "string") return body.byteLength;
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(body)) return body.length;
  let length = 0;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (
      code >= 0xd800 && code < 0xdc00 &&
      (body.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}
