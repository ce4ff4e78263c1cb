// A route table in the shape of Deno std's `http/route.ts`: the first entry whose method and URL pattern
// match handles the request; `undefined` when none does, or when its handler passes the request on.
import { errorResponse, LambdaApiError } from "./errors.ts";
import type { Store } from "./store.ts";

/** One request as a handler sees it: the pattern's named groups, and the store it works on. */
export interface Call {
  readonly request: Request;
  readonly url: URL;
  /** The pattern's named groups (path segments, still percent-encoded). */
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly store: Store;
}

/** Answers a call, or `undefined` to pass the request on (a path the plane serves, a name it does not know). */
export type Handler = (call: Call) => Promise<Response | undefined>;

/** One operation: a method (or `*` for any), a URL pattern, and its handler. */
export interface Route {
  readonly method: string;
  readonly pattern: URLPattern;
  readonly handler: Handler;
}

/** A path pattern, with or without a trailing slash. */
export function path(pathname: string): URLPattern {
  return new URLPattern({ pathname: `${pathname}{/}?` });
}

/** The handler of `routes` over `store`; a LambdaApiError a handler throws becomes Lambda's error answer. */
export function route(
  routes: readonly Route[],
  store: Store,
): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const url = new URL(request.url);
    for (const entry of routes) {
      if (entry.method !== "*" && entry.method !== request.method) continue;
      const match = entry.pattern.exec({ pathname: url.pathname });
      if (match === null) continue;
      const call = { request, url, params: match.pathname.groups, store };
      try {
        return await entry.handler(call);
      } catch (error) {
        if (error instanceof LambdaApiError) return errorResponse(error);
        throw error;
      }
    }
    return undefined;
  };
}
