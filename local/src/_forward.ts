// Passing a request on to the emulator that runs the function it names, its answer streaming back.
import { AUTHORIZER_HEADER, CALLER_HEADERS_HEADER } from "./function_url.ts";

/** An invocation (buffered, or InvokeWithResponseStream's) to `base` + `path`; `executedVersion` is what the answer says ran. */
export async function forwardInvocation(
  request: Request,
  base: string,
  path: string,
  executedVersion?: string,
): Promise<Response> {
  const headers = new Headers();
  for (const [key, value] of request.headers) {
    if (key.startsWith("x-amz-") || key === "content-type") {
      headers.set(key, value);
    }
  }
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers,
    body: await request.arrayBuffer(),
  });
  const answered = new Headers(response.headers);
  if (executedVersion !== undefined) {
    answered.set("x-amz-executed-version", executedVersion);
  }
  return new Response(response.body, {
    status: response.status,
    headers: answered,
  });
}

/** What a function URL request carries on beyond itself. */
export interface ForwardedUrlRequest {
  /** The body, when it was read already (to check its signature). */
  body?: Uint8Array;
  /** The verified caller (`requestContext.authorizer`) of an AWS_IAM URL. */
  authorizer?: Record<string, unknown>;
}

/** A plain HTTP request for a function URL to `base` + `path` (with the request's query). */
export async function forwardRequest(
  request: Request,
  base: string,
  path: string,
  forwarded: ForwardedUrlRequest = {},
): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.delete("host");
  // Only the control plane says who signed, and what the caller sent: a caller's own copies never pass.
  headers.delete(AUTHORIZER_HEADER);
  headers.delete(CALLER_HEADERS_HEADER);
  // fetch adds Accept-Encoding, Accept-Language… and its own Host: the event carries the caller's as sent.
  const sent = [...headers].filter(([name]) => name !== "host");
  const host = request.headers.get("host") ?? new URL(request.url).host;
  headers.set(CALLER_HEADERS_HEADER, JSON.stringify([["host", host], ...sent]));
  if (forwarded.authorizer !== undefined) {
    headers.set(AUTHORIZER_HEADER, JSON.stringify(forwarded.authorizer));
  }
  const response = await fetch(`${base}${path}${new URL(request.url).search}`, {
    method: request.method,
    headers,
    body: request.method === "GET" || request.method === "HEAD"
      ? undefined
      : forwarded.body as Uint8Array<ArrayBuffer> | undefined ??
        await request.arrayBuffer(),
    redirect: "manual",
  });
  return new Response(response.body, {
    status: response.status,
    headers: response.headers,
  });
}
