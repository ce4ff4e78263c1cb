/**
 * Headers both ways: the event's single- and multi-value maps into web
 * `Headers`, and a response's headers into a result's status, header map and
 * `Set-Cookie` list.
 *
 * @module
 */

import { HttpRequestError } from "./errors.ts";
import { HOP_BY_HOP_HEADERS } from "../streaming/http_prelude.ts";
import type { MultiValueMap, SingleValueMap } from "./source.ts";

/**
 * What every result starts from: the status, the headers other than
 * `Set-Cookie` (names lower-case, repeated ones joined with `, ` as `Headers`
 * joins them), and each `Set-Cookie` value on its own.
 */
export interface ResponseHead {
  /** The response's status. */
  statusCode: number;
  /** The response's reason phrase, `""` when it has none. */
  statusText: string;
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
 * with `; `. A value with characters outside ASCII is percent-encoded (see
 * {@linkcode percentEncodeNonAscii}); one with a NUL, CR or LF throws an
 * {@linkcode HttpRequestError}.
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
          headers.set(name, percentEncodeNonAscii(values.join("; ")));
          continue;
        }
        for (const value of values) {
          headers.append(name, percentEncodeNonAscii(value));
        }
      }
    }
    if (single) {
      for (const name in single) {
        const value = single[name];
        if (value === undefined || value === null || name === "") continue;
        if (!headers.has(name)) headers.set(name, percentEncodeNonAscii(value));
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
 */
export function responseHead(response: Response): ResponseHead {
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) {
    if (name === "set-cookie" || HOP_BY_HOP_HEADERS.has(name)) continue;
    headers[name] = value;
  }
  return {
    statusCode: response.status,
    statusText: response.statusText,
    headers,
    cookies: response.headers.getSetCookie(),
  };
}

/**
 * The first of a comma-separated header value, trimmed (`X-Forwarded-Proto:
 * https, http` → `https`); `undefined` when the header is absent or empty.
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
 */
export function lastHeaderValue(value: string | null): string | undefined {
  if (value === null) return undefined;
  const last = value.slice(value.lastIndexOf(",") + 1).trim();
  return last === "" ? undefined : last;
}

/**
 * A header value a web `Headers` takes: as is when it is ASCII, otherwise
 * every non-ASCII character and `%` percent-encoded as UTF-8 (`炎 100%` →
 * `%E7%82%8E 100%25`), so `decodeURIComponent` gives the original back.
 */
export function percentEncodeNonAscii(value: string): string {
  // deno-lint-ignore no-control-regex
  if (!/[^\x00-\x7f]/.test(value)) return value;
  let safe = "";
  for (const char of value) {
    safe += char === "%" || char.charCodeAt(0) > 0x7f
      ? encodeURIComponent(char)
      : char;
  }
  return safe;
}

/** Whether a status carries no body (1xx, 204, 304). */
export function isBodiless(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}
