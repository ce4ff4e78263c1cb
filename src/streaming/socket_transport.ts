/**
 * A {@linkcode Transport} over the project's HTTP/1.1 client on one raw
 * socket (`Deno.connect`), for the buffered Runtime API calls that `fetch`
 * makes by default. It does less per request than `fetch` (no `Request`
 * object, no header guards, no body stream), which the bench shows as
 * throughput; `fetch` stays the default because it is Deno's own, proven
 * client.
 *
 * @module
 */

import { Http1Client } from "../core/_http1/client.ts";
import type { HeaderList } from "../core/_http1/encode.ts";
import type { Transport } from "../core/runtime_api.ts";

/**
 * A `fetch`-compatible transport to `authority` (`host:port`, the value of
 * `AWS_LAMBDA_RUNTIME_API`) over one kept-alive HTTP/1.1 connection. Pass it
 * as `RunOptions.transport`. Requests to any other host are refused with a
 * `TypeError`: it is a Runtime API transport, not a general client.
 *
 * @example
 * ```ts ignore
 * import { run } from "@rtl/lambda";
import { socketTransport } from "@rtl/lambda/runtime";
 *
 * run((event) => event, {
 *   transport: socketTransport(Deno.env.get("AWS_LAMBDA_RUNTIME_API")!),
 * });
 * ```
 *
 * @example Against any HTTP/1.1 server
 * ```ts
 * import { socketTransport } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("pong"));
 * const transport = socketTransport(`127.0.0.1:${server.addr.port}`);
 * const response = await transport(`http://127.0.0.1:${server.addr.port}/ping`);
 * assert.equal(await response.text(), "pong");
 * ```
 */
export function socketTransport(
  authority: string,
  options: {
    /** The largest response body accepted, in bytes; 8 MiB when absent. */
    readonly maxResponseBytes?: number;
    /** Opens connections; `Deno.connect` when absent. */
    readonly connect?: (
      options: { hostname: string; port: number },
    ) => Promise<Deno.Conn>;
  } = {},
): Transport {
  const client = new Http1Client(authority, {
    // Lambda's largest event is 6 MB; a little room for what wraps it.
    maxResponseBytes: 8 << 20,
    ...options,
  });
  const origin = `http://${authority}`;
  return async (input, init) => {
    const url = typeof input === "string"
      ? input
      : input instanceof URL
      ? input.href
      : input.url;
    if (!url.startsWith(origin) || !"/?".includes(url[origin.length] ?? "/")) {
      throw new TypeError(
        `socketTransport(${
          JSON.stringify(authority)
        }) sends only to ${origin}, not ${url}`,
      );
    }
    const response = await client.request({
      method: init?.method ?? (input instanceof Request ? input.method : "GET"),
      path: url.slice(origin.length) || "/",
      headers: _headers(
        init?.headers ?? (input instanceof Request ? input.headers : undefined),
      ),
      body: await _body(init?.body),
      signal: init?.signal ?? undefined,
    });
    const empty = response.body.byteLength === 0 ||
      response.status === 204 || response.status === 304;
    return new Response(empty ? null : response.body as BodyInit, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

function _headers(
  headers: HeadersInit | undefined,
): Record<string, string> | HeaderList | undefined {
  if (headers === undefined) return undefined;
  if (headers instanceof Headers) return [...headers];
  if (Array.isArray(headers)) return headers as HeaderList;
  return headers as Record<string, string>;
}

// The Runtime API client sends strings and bytes; anything else is read whole first.
async function _body(
  body: BodyInit | null | undefined,
): Promise<string | Uint8Array | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  return await new Response(body).bytes();
}
