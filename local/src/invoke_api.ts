/**
 * The invoke API callers speak (`POST /2015-03-31/functions/NAME/invocations`):
 * Lambda's refusals (404, 405, 413), the invocation types, and an outcome
 * turned into the response Lambda gives.
 *
 * @module
 */

import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { gateNodeServer } from "./gate.ts";
import type { Outcome } from "./_outcome.ts";
import { invokeComplete, payloadChunk } from "./event_stream.ts";
import { parseFunctionName } from "./function_name.ts";
import { type InvokeRequest, parseInvokeRequest } from "./invoke_request.ts";
import {
  functionUrlEvent,
  functionUrlRefusal,
  functionUrlResponse,
  functionUrlTarget,
} from "./function_url.ts";

export type { InvokeRequest };

/** An invocation under way. */
export interface Accepted {
  id: string;
  outcome: Promise<Outcome>;
  /** The base64 log tail, when the request asked for one. */
  logResult?: Promise<string>;
}

/** What the emulator gives back for a request: an invocation under way, or a refusal. */
export type Submission = Accepted | Response;

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
  /** How long a caller may take to send its headers; 10 s when absent. */
  headersTimeoutMs?: number;
  /** More routes (a control plane), tried first; `undefined` passes the request on. */
  routes?: (request: Request) => Promise<Response | undefined>;
}

/** The listening invoke API. */
export interface InvokeApi {
  readonly port: number;
  shutdown(): Promise<void>;
}

const _INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const _STREAMING =
  /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations\/?$/;
/** Lambda's limit on a synchronous request payload. */
export const MAX_REQUEST = 6_291_456;

/** The invoke API's header limit: an X-Ray trace header and a 3.5 KB client context fit many times over. */
const _MAX_HEADER = 64 * 1024;

/** Starts the invoke API. */
export async function serveInvokeApi(
  options: InvokeApiOptions,
): Promise<InvokeApi> {
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
  const server = createServer({
    maxHeaderSize: _MAX_HEADER,
    // The check runs often enough for a short injected timeout to be noticed.
    connectionsCheckingInterval: Math.min(1000, headersTimeoutMs / 2),
  }, (request, response) => {
    _serveNode(options, request, response);
  });
  gateNodeServer("invoke", options.hostname, server);
  // A caller that sends nothing (or headers without end) is cut off, as any front end does.
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;
  server.on("clientError", (error: Error & { code?: string }, socket) => {
    const [status, message] = error.code === "HPE_HEADER_OVERFLOW"
      ? [431, `Request headers must be smaller than ${_MAX_HEADER} bytes`]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "The request's headers did not arrive in time"]
      : [400, "The request is not valid HTTP"];
    const body = JSON.stringify({ Type: "User", message });
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${status} ${
          status === 431
            ? "Request Header Fields Too Large"
            : status === 408
            ? "Request Timeout"
            : "Bad Request"
        }\r\ncontent-type: application/json\r\ncontent-length: ${
          new TextEncoder().encode(body).byteLength
        }\r\nconnection: close\r\n\r\n${body}`,
      );
    } else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: Error & { code?: string }) => {
      reject(
        error.code === "EADDRINUSE"
          ? options.portInUse(options.hostname, options.port, error)
          : error,
      );
    });
    server.listen(options.port, options.hostname, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    shutdown: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** node:http in, the web Request/Response logic in the middle, node:http out. */
async function _serveNode(
  options: InvokeApiOptions,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const method = incoming.method ?? "GET";
  let abandoned = false;
  const body = method === "GET" || method === "HEAD"
    ? null
    : new ReadableStream<Uint8Array>({
      async pull(controller) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await chunks.next();
        } catch {
          return controller.close();
        }
        if (next.done) controller.close();
        else controller.enqueue(new Uint8Array(next.value));
      },
      cancel() {
        // Stops reading a body past the limit: what is left is not read, and the connection closes after the answer.
        abandoned = true;
        incoming.pause();
      },
    }, { highWaterMark: 0 });
  const chunks = incoming[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  let response: Response;
  try {
    const request = new Request(
      `http://${headers.get("host") ?? "localhost"}${incoming.url}`,
      { method, headers, body },
    );
    response = await options.routes?.(request) ?? await onInvoke(
      options,
      request,
      incoming.socket.remoteAddress ?? "127.0.0.1",
    );
  } catch (error) {
    response = Response.json({
      message: `The emulator failed: ${
        error instanceof Error ? error.message : String(error)
      }`,
    }, { status: 500 });
  }
  const out: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") out[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  if (abandoned) out.connection = "close";
  outgoing.writeHead(response.status, out);
  if (response.body === null) return void outgoing.end();
  const reader = response.body.getReader();
  // The caller went away: the stream is cancelled, as Lambda stops relaying it.
  outgoing.on("close", () => {
    if (!outgoing.writableFinished) reader.cancel().catch(_discard);
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!outgoing.write(value)) {
        await new Promise((resolve) => outgoing.once("drain", resolve));
      }
    }
    outgoing.end();
  } catch {
    outgoing.destroy();
  }
}

async function onInvoke(
  options: InvokeApiOptions,
  request: Request,
  sourceIp: string,
): Promise<Response> {
  const url = new URL(request.url);
  const streaming = _STREAMING.exec(url.pathname);
  const match = _INVOKE.exec(url.pathname) ?? streaming;
  const target = match === null ? functionUrlTarget(url.pathname) : undefined;
  if (target !== undefined) {
    return await _onFunctionUrl(options, request, target, sourceIp);
  }
  if (match === null) {
    return Response.json({
      message:
        `Invoke the function with POST /2015-03-31/functions/${options.functionName}/invocations`,
    }, { status: 404 });
  }
  if (request.method !== "POST") {
    return Response.json({ message: "Use POST to invoke" }, { status: 405 });
  }
  const given = decodeURIComponent(match[1]);
  const name = parseFunctionName(given)?.name ?? given;
  if (name !== options.functionName && name !== "function") {
    return Response.json({
      Type: "User",
      message:
        `Function not found: ${given} (this emulator runs ${options.functionName})`,
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
  const parsed = parseInvokeRequest(event, request.headers);
  const { type } = parsed;
  if (type === "DryRun") return new Response(null, { status: 204 });
  const submitted = options.submit({
    ...parsed,
    // A response stream is always waited for; an Event's log goes nowhere.
    type: type === "Event" && streaming === null ? "Event" : "RequestResponse",
    logType: type === "Event" ? "None" : parsed.logType,
  });
  if (submitted instanceof Response) return submitted;
  if (streaming !== null) return _eventStream(submitted);
  if (type === "Event") {
    submitted.outcome.then(_discard);
    return new Response(null, {
      status: 202,
      headers: { "x-amzn-requestid": submitted.id },
    });
  }
  const outcome = await submitted.outcome;
  const response = toResponse(submitted.id, outcome);
  // A buffered result waits for its REPORT line so the tail has it; a stream cannot wait.
  if (submitted.logResult !== undefined && outcome.kind !== "stream") {
    response.headers.set("x-amz-log-result", await submitted.logResult);
  }
  return response;
}

/** A plain HTTP request to the function's URL: the 2.0 event in, the HTTP response out. */
async function _onFunctionUrl(
  options: InvokeApiOptions,
  request: Request,
  target: { name: string | undefined; path: string },
  sourceIp: string,
): Promise<Response> {
  if (
    target.name !== undefined && target.name !== options.functionName &&
    target.name !== "function"
  ) {
    await request.body?.cancel().catch(_discard);
    return Response.json({ Message: "Forbidden" }, { status: 403 });
  }
  if (Number(request.headers.get("content-length") ?? 0) > MAX_REQUEST) {
    await request.body?.cancel().catch(_discard);
    return functionUrlRefusal(tooLarge());
  }
  const body = await _readLimited(request.body, MAX_REQUEST);
  if (body === undefined) return functionUrlRefusal(tooLarge());
  const id = crypto.randomUUID();
  const event = functionUrlEvent(request, {
    path: target.path,
    sourceIp,
    body,
    requestId: id,
    domainName: `${options.functionName}.lambda-url.localhost`,
  });
  // The URL's caller speaks HTTP, not the Invoke API: none of its headers are Invoke API headers.
  const submitted = options.submit(parseInvokeRequest(
    new TextEncoder().encode(JSON.stringify(event)),
    new Headers(),
    id,
  ));
  if (submitted instanceof Response) return functionUrlRefusal(submitted);
  return functionUrlResponse(submitted.id, await submitted.outcome);
}

/** `InvokeWithResponseStream`'s answer: the result as `PayloadChunk` events, then `InvokeComplete`. */
async function _eventStream(submitted: Accepted): Promise<Response> {
  const outcome = await submitted.outcome;
  const headers = {
    "x-amzn-requestid": submitted.id,
    "x-amz-executed-version": "$LATEST",
    "content-type": outcome.kind === "error"
      ? "application/json"
      : outcome.contentType,
  };
  const complete = async (error?: { code: string; details: string }) =>
    invokeComplete({
      ...(error === undefined
        ? {}
        : { ErrorCode: error.code, ErrorDetails: error.details }),
      ...(submitted.logResult === undefined
        ? {}
        : { LogResult: await submitted.logResult }),
    });
  if (outcome.kind !== "stream") {
    const parts: Uint8Array[] = [];
    if (outcome.kind === "response") {
      parts.push(payloadChunk(outcome.body), await complete());
    } else {
      parts.push(await complete(_errorOf(outcome.errorType, outcome.body)));
    }
    return new Response(new Blob(parts as BlobPart[]).stream(), {
      status: 200,
      headers,
    });
  }
  const reader = outcome.body.getReader();
  let finished = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (finished) return controller.close();
      try {
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(payloadChunk(value));
        finished = true;
        controller.enqueue(await complete());
      } catch (error) {
        finished = true;
        controller.enqueue(
          await complete({
            code: "Function.ResponseStreamingError",
            details: error instanceof Error ? error.message : String(error),
          }),
        );
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return new Response(body, { status: 200, headers });
}

function _errorOf(
  errorType: string,
  body: Uint8Array,
): { code: string; details: string } {
  let details = new TextDecoder().decode(body);
  try {
    const report = JSON.parse(details);
    if (typeof report?.errorMessage === "string") details = report.errorMessage;
  } catch {
    // The raw body is the detail.
  }
  return { code: errorType, details };
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
