// How the default client sends an answer (/response, /error, /init/error): at most once, over the raw-socket client.
import { RuntimeApiError } from "./errors.ts";
import { isConnectionRefused } from "./_api_gone.ts";
import { reason, responseDetail, type Send } from "./_client.ts";
import { Http1Client } from "./_http1/client.ts";
import type { HeaderList } from "./_http1/encode.ts";
import type { Http1Response } from "./_http1/response.ts";

/** Posts one answer; rejects with a {@linkcode RuntimeApiError} (status 0 when it got no answer). */
export type PostAnswer = (
  operation: string,
  path: string,
  body: string | Uint8Array,
  headers: HeaderList | Record<string, string>,
) => Promise<void>;

const _decoder = new TextDecoder();

/**
 * Answers over an {@linkcode Http1Client} for `host`, made on first use.
 * `fetch` sends a POST again by itself when its kept-alive connection breaks
 * after the request was written (measured: one `/response`, two POSTs), so
 * answers do not go through it. This client re-sends only what provably never
 * reached the server: a refused connection, or a kept-alive socket whose
 * first write failed.
 */
export function answerOverSocket(host: string): PostAnswer {
  let client: Http1Client | undefined;
  return async (operation, path, body, headers) => {
    client ??= new Http1Client(host);
    let response: Http1Response;
    try {
      response = await _once(client, path, body, headers);
    } catch (error) {
      throw new RuntimeApiError(operation, 0, reason(error), { cause: error });
    }
    if (response.status === 202 || response.status === 200) return;
    const text = _decoder.decode(response.body.subarray(0, 500));
    throw new RuntimeApiError(
      operation,
      response.status,
      text.length === 0 ? "(no body)" : text,
    );
  };
}

async function _once(
  client: Http1Client,
  path: string,
  body: string | Uint8Array,
  headers: HeaderList | Record<string, string>,
): Promise<Http1Response> {
  const init = { method: "POST", path, headers, body };
  try {
    return await client.request(init);
  } catch (error) {
    // Refused: nothing was sent, so sending again cannot answer twice.
    if (!isConnectionRefused(error)) throw error;
    return await client.request(init);
  }
}

/** Answers over a `fetch`-shaped transport: one send (a refused connection aside), the status checked. */
export function answerOverTransport(send: Send, base: string): PostAnswer {
  return async (operation, path, body, headers) => {
    const response = await send(operation, base + path, {
      method: "POST",
      headers,
      body: body as BodyInit,
    });
    if (response.status === 202 || response.status === 200) {
      // Drained so that the connection goes back to the pool.
      await response.arrayBuffer();
      return;
    }
    throw new RuntimeApiError(
      operation,
      response.status,
      await responseDetail(response),
    );
  };
}
