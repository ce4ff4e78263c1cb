/**
 * The last step of every event → `Request` conversion: the parts into a
 * web `Request`, with whatever the `Request` constructor refuses turned into
 * an `HttpRequestError`.
 *
 * @module
 */

import { HttpRequestError } from "./errors.ts";

/**
 * The parts of a request, as the adapters have worked them out.
 *
 * @example
 * ```ts
 * import type { RequestParts } from "@rtl/lambda/http";
 *
 * const parts: RequestParts = {
 *   method: "GET",
 *   url: "https://example.com/",
 *   headers: new Headers(),
 *   body: null,
 * };
 * ```
 */
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
 * `TRACE`) or a URL that does not parse (a bad `Host` header) throws an
 * {@linkcode HttpRequestError}.
 *
 * @example
 * ```ts
 * import { buildRequest } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * const request = buildRequest({
 *   method: "POST",
 *   url: "https://example.com/echo",
 *   headers: new Headers({ "content-type": "text/plain" }),
 *   body: "hi",
 * });
 * assert.equal(await request.text(), "hi");
 * ```
 */
export function buildRequest(parts: RequestParts): Request {
  try {
    return new Request(parts.url, {
      method: parts.method,
      headers: parts.headers,
      body: parts.body,
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
