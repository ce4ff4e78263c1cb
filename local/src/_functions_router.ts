// More functions on one emulator's port (`--function NAME=ENTRY`): a request naming one goes to its own emulator.
import { parseFunctionName } from "./_control_plane_api.ts";
import { forwardInvocation, forwardRequest } from "./_forward.ts";

const _INVOKE =
  /^\/(?:2015-03-31\/functions\/([^/]+)\/invocations|2021-11-15\/functions\/([^/]+)\/response-streaming-invocations)\/?$/;
const _URL = /^\/lambda-url\/([^/]+)(\/.*)?$/;

/** Routes invocations (by name, partial or full ARN) and `/lambda-url/<name>/…` of the names `find` knows; `undefined` for the rest. */
export function routeFunctions(
  find: (name: string) => string | undefined,
): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const url = new URL(request.url);
    const invoke = request.method === "POST"
      ? _INVOKE.exec(url.pathname)
      : null;
    if (invoke !== null) {
      const segment = invoke[1] ?? invoke[2];
      const { name } = parseFunctionName(segment, url.searchParams);
      const base = find(name);
      if (base === undefined) return undefined;
      // Its emulator runs that one function, under its bare name.
      const path = invoke[1] === undefined
        ? `/2021-11-15/functions/${
          encodeURIComponent(name)
        }/response-streaming-invocations`
        : `/2015-03-31/functions/${encodeURIComponent(name)}/invocations`;
      return await forwardInvocation(request, base, path);
    }
    const front = _URL.exec(url.pathname);
    if (front === null) return undefined;
    const base = find(decodeURIComponent(front[1]));
    if (base === undefined) return undefined;
    return await forwardRequest(request, base, url.pathname);
  };
}
