/**
 * Headers both ways: the event's single- and multi-value maps into web
 * `Headers`, and a response's headers into a result's status, header map and
 * `Set-Cookie` list.
 *
 * @module
 */

import { HttpRequestError } from "./errors.ts";
import { HOP_BY_HOP_HEADERS } from "../streaming/http_prelude.ts";

/**
 * A header or query map as events carry it: one value per name.
 *
 * @example
 * ```ts
 * import type { SingleValueMap } from "@rtl/lambda/http";
 *
 * const headers: SingleValueMap = { host: "example.com" };
 * ```
 */
export type SingleValueMap = Record<string, string | undefined>;

/**
 * A header or query map as events carry it: every value per name.
 *
 * @example
 * ```ts
 * import type { MultiValueMap } from "@rtl/lambda/http";
 *
 * const query: MultiValueMap = { tag: ["a", "b"] };
 * ```
 */
export type MultiValueMap = Record<string, string[] | undefined>;

/**
 * What every result starts from: the status, the headers other than
 * `Set-Cookie` (names lower-case, repeated ones joined with `, ` as `Headers`
 * joins them), and each `Set-Cookie` value on its own.
 *
 * @example
 * ```ts
 * import type { ResponseHead } from "@rtl/lambda/http";
 *
 * const head: ResponseHead = {
 *   statusCode: 200,
 *   headers: { "content-type": "text/plain" },
 *   cookies: ["session=abc; HttpOnly"],
 * };
 * ```
 */
export interface ResponseHead {
  /** The response's status. */
  statusCode: number;
  /** Every header but `Set-Cookie`. */
  headers: Record<string, string>;
  /** Each `Set-Cookie` value. */
  cookies: string[];
}

/**
 * Builds request `Headers` from an event's maps. Every value of
 * `multiValueHeaders` is kept; `headers` adds the names the multi-value map
 * lacks (API Gateway sends both, an ALB one or the other). Several `Cookie`
 * values (HTTP/2 sends each cookie on its own) become one header joined
 * with `; `. A value that is not a byte string throws an
 * {@linkcode HttpRequestError}.
 *
 * @example
 * ```ts
 * import { requestHeaders } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * const headers = requestHeaders(
 *   { Accept: "text/html", Host: "example.com" },
 *   { Accept: ["text/html", "application/json"] },
 * );
 * assert.equal(headers.get("accept"), "text/html, application/json");
 * assert.equal(headers.get("host"), "example.com");
 * ```
 */
export function requestHeaders(
  single: SingleValueMap | null | undefined,
  multi: MultiValueMap | null | undefined,
): Headers {
  const headers = new Headers();
  try {
    if (multi) {
      for (const name in multi) {
        const values = multi[name];
        if (!values || name === "") continue;
        if (values.length > 1 && name.toLowerCase() === "cookie") {
          // Cookie crumbs are joined with "; ", never with the ", " of append().
          headers.set(name, values.join("; "));
          continue;
        }
        for (const value of values) headers.append(name, value);
      }
    }
    if (single) {
      for (const name in single) {
        const value = single[name];
        if (value === undefined || value === null || name === "") continue;
        if (!headers.has(name)) headers.set(name, value);
      }
    }
  } catch (error) {
    throw new HttpRequestError(
      `A request header cannot be represented (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error },
    );
  }
  return headers;
}

/**
 * Splits a response into a {@linkcode ResponseHead}. Hop-by-hop headers
 * (`Connection`, `Transfer-Encoding`, …) are dropped: the front door does
 * its own framing.
 *
 * @example
 * ```ts
 * import { responseHead } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * const headers = new Headers({ "content-type": "text/plain" });
 * headers.append("set-cookie", "a=1");
 * headers.append("set-cookie", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT");
 * assert.deepEqual(responseHead(new Response("hi", { status: 201, headers })), {
 *   statusCode: 201,
 *   headers: { "content-type": "text/plain" },
 *   cookies: ["a=1", "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"],
 * });
 * ```
 */
export function responseHead(response: Response): ResponseHead {
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) {
    if (name === "set-cookie" || HOP_BY_HOP_HEADERS.has(name)) continue;
    headers[name] = value;
  }
  return {
    statusCode: response.status,
    headers,
    cookies: response.headers.getSetCookie(),
  };
}

/**
 * The first of a comma-separated header value, trimmed (`X-Forwarded-Proto:
 * https, http` → `https`); `undefined` when the header is absent or empty.
 *
 * @example
 * ```ts
 * import { firstHeaderValue } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.equal(firstHeaderValue("https, http"), "https");
 * assert.equal(firstHeaderValue(null), undefined);
 * ```
 */
export function firstHeaderValue(value: string | null): string | undefined {
  if (value === null) return undefined;
  const comma = value.indexOf(",");
  const first = (comma === -1 ? value : value.slice(0, comma)).trim();
  return first === "" ? undefined : first;
}

/**
 * The last of a comma-separated header value, trimmed: in
 * `X-Forwarded-For`, the address the load balancer itself saw.
 *
 * @example
 * ```ts
 * import { lastHeaderValue } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.equal(lastHeaderValue("203.0.113.7, 198.51.100.2"), "198.51.100.2");
 * ```
 */
export function lastHeaderValue(value: string | null): string | undefined {
  if (value === null) return undefined;
  const last = value.slice(value.lastIndexOf(",") + 1).trim();
  return last === "" ? undefined : last;
}
