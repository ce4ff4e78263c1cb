/**
 * The request URL: scheme and host from the headers, the path with the stage
 * and base path handled, the query string with its percent-encoding kept.
 *
 * @module
 */

import type { MultiValueMap, SingleValueMap } from "./source.ts";

/**
 * Encodes already-decoded query parameters (what API Gateway's 1.0 payload
 * carries) back into a query string, keeping every repeated key in order.
 */
export function encodeQuery(
  multi: MultiValueMap | null | undefined,
  single?: SingleValueMap | null,
): string {
  return _join(multi, single, encodeURIComponent);
}

/**
 * Joins query parameters that are still percent-encoded as the client sent
 * them (what an Application Load Balancer passes) into a query string,
 * without encoding them twice.
 */
export function joinRawQuery(
  multi: MultiValueMap | null | undefined,
  single?: SingleValueMap | null,
): string {
  return _join(multi, single, _same);
}

function _join(
  multi: MultiValueMap | null | undefined,
  single: SingleValueMap | null | undefined,
  encode: (text: string) => string,
): string {
  let query = "";
  if (multi) {
    for (const key in multi) {
      const values = multi[key];
      if (!values) continue;
      const name = encode(key);
      for (const value of values) {
        query += `${query === "" ? "" : "&"}${name}=${encode(value)}`;
      }
    }
    return query;
  }
  if (single) {
    for (const key in single) {
      const value = single[key];
      if (value === undefined || value === null) continue;
      query += `${query === "" ? "" : "&"}${encode(key)}=${encode(value)}`;
    }
  }
  return query;
}

function _same(text: string): string {
  return text;
}

/**
 * Removes a leading path prefix on a segment boundary (`/prod/users` minus
 * `/prod` is `/users`; `/production` is left alone). An empty or `/`
 * prefix changes nothing; the result always starts with `/`.
 */
export function stripPathPrefix(path: string, prefix: string): string {
  let trimmed = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  if (trimmed === "") return path;
  if (!trimmed.startsWith("/")) trimmed = "/" + trimmed;
  if (path === trimmed) return "/";
  if (path.startsWith(trimmed + "/")) return path.slice(trimmed.length);
  return path;
}

/**
 * Whether API Gateway put the stage in the path: only on its own
 * `*.execute-api.<region>.amazonaws.com` host (or when the event names no
 * domain). A custom domain maps a base path to the stage instead, so its
 * paths hold no stage to remove.
 */
export function stageInPath(domainName: string | undefined): boolean {
  return domainName === undefined || domainName === "" ||
    /\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/i.test(domainName);
}

/**
 * Assembles the absolute URL of a request. The path's `?` and `#` are
 * escaped, since they belong to the path here, and a path that does not
 * start with `/` gets one.
 */
export function requestUrl(
  scheme: string,
  host: string,
  path: string,
  query: string,
): string {
  let safePath = path.startsWith("/") ? path : "/" + path;
  if (safePath.includes("?") || safePath.includes("#")) {
    safePath = safePath.replaceAll("?", "%3F").replaceAll("#", "%23");
  }
  return `${scheme}://${host}${safePath}${query === "" ? "" : "?" + query}`;
}
