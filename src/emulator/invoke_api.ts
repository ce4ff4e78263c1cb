/**
 * The invoke API callers speak (`POST /2015-03-31/functions/NAME/invocations`):
 * Lambda's refusals (404, 405, 413), the invocation types, and an outcome
 * turned into the response Lambda gives.
 *
 * @module
 */

import type { Outcome } from "./_outcome.ts";

/** One accepted invocation request. */
export interface InvokeRequest {
  event: Uint8Array;
  headers: Headers;
  /** `RequestResponse` waits for the outcome; `Event` is answered 202 at once. */
  type: "RequestResponse" | "Event";
}

/** What the emulator gives back for a request: an invocation under way, or a refusal. */
export type Submission = { id: string; outcome: Promise<Outcome> } | Response;

/** How the invoke API is set up. */
export interface InvokeApiOptions {
  hostname: string;
  /** 0 for any free port. */
  port: number;
  functionName: string;
  /** Takes an accepted request. */
  submit(request: InvokeRequest): Submission;
  /** Thrown when the port is taken. */
  portInUse(hostname: string, port: number, cause: unknown): Error;
}

/** The listening invoke API. */
export interface InvokeApi {
  readonly port: number;
  shutdown(): Promise<void>;
}

const _INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
/** Lambda's limit on a synchronous request payload. */
export const MAX_REQUEST = 6_291_456;

/** Starts the invoke API. */
export function serveInvokeApi(options: InvokeApiOptions): InvokeApi {
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen: () => {},
    }, (request) => onInvoke(options, request));
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw options.portInUse(options.hostname, options.port, error);
    }
    throw error;
  }
  return {
    port: server.addr.port,
    shutdown: () => server.shutdown(),
  };
}

async function onInvoke(
  options: InvokeApiOptions,
  request: Request,
): Promise<Response> {
  const url = new URL(request.url);
  const match = _INVOKE.exec(url.pathname);
  if (match === null) {
    return Response.json({
      message:
        `Invoke the function with POST /2015-03-31/functions/${options.functionName}/invocations`,
    }, { status: 404 });
  }
  if (request.method !== "POST") {
    return Response.json({ message: "Use POST to invoke" }, { status: 405 });
  }
  const name = decodeURIComponent(match[1]);
  if (name !== options.functionName && name !== "function") {
    return Response.json({
      Type: "User",
      message:
        `Function not found: ${name} (this emulator runs ${options.functionName})`,
    }, {
      status: 404,
      headers: { "x-amzn-errortype": "ResourceNotFoundException" },
    });
  }
  // A hostile caller is refused by its Content-Length, and a chunked body is not read past the limit.
  if (Number(request.headers.get("content-length") ?? 0) > MAX_REQUEST) {
    await request.body?.cancel().catch(_discard);
    return tooLarge();
  }
  let event = await _readLimited(request.body, MAX_REQUEST);
  if (event === undefined) return tooLarge();
  // Lambda hands an empty payload to the function as an empty JSON object.
  if (event.byteLength === 0) event = _EMPTY;
  const type = request.headers.get("x-amz-invocation-type") ??
    "RequestResponse";
  if (type === "DryRun") return new Response(null, { status: 204 });
  const submitted = options.submit({
    event,
    headers: request.headers,
    type: type === "Event" ? "Event" : "RequestResponse",
  });
  if (submitted instanceof Response) return submitted;
  if (type === "Event") {
    submitted.outcome.then(_discard);
    return new Response(null, {
      status: 202,
      headers: { "x-amzn-requestid": submitted.id },
    });
  }
  return toResponse(submitted.id, await submitted.outcome);
}

/** Lambda's 413 for a request payload over 6 MB. */
export function tooLarge(): Response {
  return Response.json({
    Type: "User",
    message:
      `Request must be smaller than ${MAX_REQUEST} bytes for the InvokeFunction operation`,
  }, {
    status: 413,
    headers: { "x-amzn-errortype": "RequestTooLargeException" },
  });
}

/** The response Lambda gives for an outcome: 200, with `X-Amz-Function-Error` for an error. */
export function toResponse(id: string, outcome: Outcome): Response {
  const headers: Record<string, string> = {
    "x-amzn-requestid": id,
    "x-amz-executed-version": "$LATEST",
  };
  if (outcome.kind === "error") {
    headers["content-type"] = "application/json";
    headers["x-amz-function-error"] = "Unhandled";
    return new Response(outcome.body as BodyInit, { status: 200, headers });
  }
  headers["content-type"] = outcome.contentType;
  return new Response(outcome.body as BodyInit, { status: 200, headers });
}

const _EMPTY = new TextEncoder().encode("{}");

/** The body, or `undefined` once it passes `limit` bytes (the rest unread). */
async function _readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array | undefined> {
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(_discard);
      return undefined;
    }
    chunks.push(value);
  }
  const event = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    event.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return event;
}

function _discard(): void {}
