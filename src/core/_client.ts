// One client mechanism for the Runtime API and the Extensions API: what may be sent again, what reaches the API at most once.
import { RuntimeApiError } from "./errors.ts";
import { isConnectionRefused } from "./_api_gone.ts";
import { Http1Client, type Http1RequestInit } from "./_http1/client.ts";
import type { HeaderList } from "./_http1/encode.ts";
import type { Http1Response } from "./_http1/response.ts";

/** Makes the error for a call that got no answer (`status` 0) or an unexpected one. */
export type ApiErrorFactory = (
  operation: string,
  status: number,
  detail: string,
  options?: ErrorOptions,
) => Error;

/** Sends one request; a failure without an HTTP answer may be retried once (see {@linkcode createSend}). */
export type Send = (
  operation: string,
  url: string,
  init: RequestInit,
  once?: boolean,
) => Promise<Response>;

/**
 * A sender over `transport` whose final failure is `error(operation, 0, …)`.
 * A request sent `once` is retried only after a refused connection (it never
 * left); any other is retried once after any failure without an answer.
 */
export function createSend(
  // The shape of Transport, written here: importing it would close a cycle with runtime_api.ts.
  transport: (url: string, init: RequestInit) => Promise<Response>,
  error: ApiErrorFactory,
): Send {
  return async (operation, url, init, atMostOnce) => {
    try {
      return await transport(url, init);
    } catch (first) {
      if (init.signal?.aborted) throw first;
      if (atMostOnce && !isConnectionRefused(first)) {
        throw error(operation, 0, reason(first), { cause: first });
      }
      // A kept-alive connection can come back reset after Lambda thawed the sandbox.
      try {
        return await transport(url, init);
      } catch (second) {
        throw error(operation, 0, reason(second), { cause: second });
      }
    }
  };
}

/** Throws `error(operation, status, body)` unless the status is one of `ok`. */
export async function expectStatus(
  operation: string,
  response: Response,
  ok: readonly number[],
  error: ApiErrorFactory,
): Promise<void> {
  if (ok.includes(response.status)) return;
  throw error(operation, response.status, await responseDetail(response));
}

/** The start of a refusal's body, for the error message. */
export async function responseDetail(response: Response): Promise<string> {
  try {
    const text = await response.text();
    return text.length > 500 ? text.slice(0, 500) + "…" : text || "(no body)";
  } catch (error) {
    return `(body unreadable: ${reason(error)})`;
  }
}

/** An error's message, or the thrown value as text. */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Posts one answer; rejects with the channel's error (status 0 when it got no answer). */
export type PostAnswer = (
  operation: string,
  path: string,
  body: string | Uint8Array,
  headers: HeaderList | Record<string, string>,
) => Promise<void>;

/** One request over the raw-socket connection, sent at most once. */
export type SendOnce = (init: Http1RequestInit) => Promise<Http1Response>;

/** How a client reaches one API: what may be repeated, and what must not. */
export interface Channel {
  /** Base URL, `http://host:port`. */
  readonly base: string;
  /** `fetch`-shaped; `once` sends a request that changes something at most once, otherwise it is retried once. */
  readonly send: Send;
  /** Posts an answer at most once and checks its status (200 or 202). */
  readonly post: PostAnswer;
  /** The raw-socket connection, at most once a request; `undefined` when a transport was given. */
  readonly request: SendOnce | undefined;
}

const _decoder = new TextDecoder();

function _runtimeApiError(
  operation: string,
  status: number,
  detail: string,
  options?: ErrorOptions,
): RuntimeApiError {
  return new RuntimeApiError(operation, status, detail, options);
}

/**
 * The channel to `host`. Without a `transport`, requests that change
 * something go over one {@linkcode Http1Client} (made on first use): `fetch`
 * sends a POST again by itself when its kept-alive connection breaks after
 * the request was written (measured: one `/response`, two POSTs). That client
 * re-sends only what provably never reached the server: a refused connection,
 * or a kept-alive socket whose first write failed. A given transport is
 * trusted to send once, and is retried only when the connection was refused.
 */
export function openChannel(
  host: string,
  transport?: (url: string, init: RequestInit) => Promise<Response>,
  error: ApiErrorFactory = _runtimeApiError,
): Channel {
  const base = `http://${host}`;
  const repeatable = createSend(transport ?? fetch, error);
  if (transport !== undefined) {
    return {
      base,
      send: repeatable,
      post: _postOver(repeatable, base, error),
      request: undefined,
    };
  }
  let client: Http1Client | undefined;
  const request: SendOnce = (init) =>
    _once(client ??= new Http1Client(host), init);
  const send: Send = (operation, url, init, once) =>
    once
      ? _sendOnce(request, operation, url, init, error)
      : repeatable(operation, url, init);
  const post: PostAnswer = async (operation, path, body, headers) => {
    let response: Http1Response;
    try {
      response = await request({ method: "POST", path, headers, body });
    } catch (thrown) {
      throw error(operation, 0, reason(thrown), { cause: thrown });
    }
    if (response.status === 202 || response.status === 200) return;
    const text = _decoder.decode(response.body.subarray(0, 500));
    throw error(
      operation,
      response.status,
      text.length === 0 ? "(no body)" : text,
    );
  };
  return { base, send, post, request };
}

async function _once(
  client: Http1Client,
  init: Http1RequestInit,
): Promise<Http1Response> {
  try {
    return await client.request(init);
  } catch (thrown) {
    // Refused: nothing was sent, so sending again cannot answer twice (a stream, read once, cannot go again).
    if (!isConnectionRefused(thrown) || init.body instanceof ReadableStream) {
      throw thrown;
    }
    return await client.request(init);
  }
}

/** A `fetch`-shaped request over the raw socket, answered as a `Response`. */
async function _sendOnce(
  request: SendOnce,
  operation: string,
  url: string,
  init: RequestInit,
  error: ApiErrorFactory,
): Promise<Response> {
  const at = new URL(url);
  let response: Http1Response;
  try {
    response = await request({
      method: init.method,
      path: at.pathname + at.search,
      headers: [...new Headers(init.headers)],
      body: init.body as string | Uint8Array | undefined,
      signal: init.signal ?? undefined,
    });
  } catch (thrown) {
    if (init.signal?.aborted) throw thrown;
    throw error(operation, 0, reason(thrown), { cause: thrown });
  }
  return new Response(
    response.body.byteLength === 0
      ? null
      : response.body as Uint8Array<ArrayBuffer>,
    {
      status: response.status,
      headers: response.headers,
    },
  );
}

/** Answers over a `fetch`-shaped sender: one send (a refused connection aside), the status checked. */
function _postOver(
  send: Send,
  base: string,
  error: ApiErrorFactory,
): PostAnswer {
  return async (operation, path, body, headers) => {
    const response = await send(operation, base + path, {
      method: "POST",
      headers,
      body: body as BodyInit,
    }, true);
    if (response.status === 202 || response.status === 200) {
      // Drained so that the connection goes back to the pool.
      await response.arrayBuffer();
      return;
    }
    throw error(operation, response.status, await responseDetail(response));
  };
}
