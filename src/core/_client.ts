// One client plumbing for the Runtime API and the Extensions API: send with one retry, and what a refusal says.
import { isConnectionRefused } from "./_api_gone.ts";

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
) => Promise<Response>;

/**
 * A sender over `transport` whose final failure is `error(operation, 0, …)`.
 * `atMostOnce` retries only a refused connection (the request never left);
 * otherwise any failure without an answer is retried once.
 */
export function createSend(
  // The shape of Transport, written here: importing it would close a cycle with runtime_api.ts.
  transport: (url: string, init: RequestInit) => Promise<Response>,
  error: ApiErrorFactory,
  atMostOnce = false,
): Send {
  return async (operation, url, init) => {
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
