/**
 * The one result builder of every HTTP source: the response's head and
 * bytes worked out once, the source laying them out.
 *
 * @module
 */

import type { SourceAdapter, ToResultOptions } from "./_adapter.ts";
import { encodeBody, isBinaryResponse, readResponseBody } from "./_body.ts";
import { responseHead } from "./_headers.ts";

/** Builds the result `adapter`'s source expects for `response`; reads the whole body. */
export async function buildResult<Event, Result>(
  adapter: SourceAdapter<Event, Result>,
  response: Response,
  event: Event,
  options: ToResultOptions,
): Promise<Result> {
  const head = responseHead(response);
  const bytes = await readResponseBody(response, adapter.method(event));
  const body = encodeBody(
    bytes,
    (options.isBinary ?? isBinaryResponse)(response.headers),
  );
  return adapter.layout(head, body, event, options);
}

/** One cookie for a result that holds one `Set-Cookie`: the first, the dropped ones named through `warn`. */
export function singleCookie(
  cookies: string[],
  what: string,
  options: ToResultOptions,
): string | undefined {
  if (cookies.length > 1) {
    const dropped = cookies.slice(1).map((cookie) =>
      cookie.slice(0, Math.max(0, cookie.indexOf("="))) || cookie
    );
    options.warn?.(
      `The response sets ${cookies.length} cookies, but ${what} carries one Set-Cookie only: the first was sent, these were dropped: ${
        dropped.join(", ")
      }`,
    );
  }
  return cookies[0];
}
