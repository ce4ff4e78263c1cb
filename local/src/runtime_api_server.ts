/**
 * The Runtime API the function polls (`/2018-06-01/runtime/...`): `/next`
 * long polls, responses (buffered and streamed), error reports, init
 * errors, with Lambda's refusals for unknown, finished and timed-out
 * invocations. What an invocation is and when it ends is the caller's.
 *
 * @module
 */

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { type ErrorOutcome, errorOutcome, type Outcome } from "./_outcome.ts";
import type { EventDelivery, Found } from "./scheduler/ports.ts";
import {
  drain,
  header,
  json,
  listenNode,
  message,
  readAll,
} from "./_node_http.ts";
import { DURABLE_PREFIX, serveWebOnNode } from "./durable/_runtime_port.ts";

export type { EventDelivery, Found };

/** What the server asks of the emulator. */
export interface RuntimeApiRoutes {
  /** Extra APIs served on the same port (the Extensions and Telemetry APIs). */
  extensions?: {
    handles(url: string): boolean;
    handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  };
  /** A `/next` poll, to be answered with `deliverEvent` when there is work. */
  next(poll: ServerResponse): void;
  /** An `/init/error` report. */
  initError(outcome: ErrorOutcome): void;
  /** The delivered invocation with this id, or how it ended. */
  find(id: string): Found;
  /** An invocation's outcome: ends it (refused when it has ended already). */
  answer(id: string, outcome: Outcome): void;
  /** A streamed response began: the caller gets `outcome` now, `abort` ends it early. */
  stream(
    id: string,
    outcome: Outcome & { kind: "stream" },
    abort: (reason: Error) => void,
  ): void;
  /** A platform line. */
  platform(line: string): void;
  /** The durable API a durable function calls (checkpoint, state), served on this port; absent, a 404. */
  durable?: (request: Request) => Promise<Response | undefined>;
}

/** The listening Runtime API. */
export interface RuntimeApiServer {
  /** `127.0.0.1:port`: the function's `AWS_LAMBDA_RUNTIME_API`. */
  readonly address: string;
  close(): Promise<void>;
}

const _RUNTIME = "/2018-06-01/runtime";
/** Lambda's synchronous payload limit, in bytes, as its own 413 message gives it. */
export const MAX_RESPONSE = 6_291_556;
const _REPLY = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

/** Starts the Runtime API on a free loopback port. */
export async function startRuntimeApiServer(
  routes: RuntimeApiRoutes,
): Promise<RuntimeApiServer> {
  const server: Server = await listenNode((request, response) =>
    _route(routes, request, response)
  );
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Answers a `/next` poll with an invocation's event and Lambda's headers. */
export function deliverEvent(
  poll: ServerResponse,
  delivery: EventDelivery,
): void {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "lambda-runtime-aws-request-id": delivery.id,
    "lambda-runtime-deadline-ms": String(delivery.deadlineMs),
    "lambda-runtime-invoked-function-arn": delivery.arn,
    "lambda-runtime-trace-id": delivery.traceId,
    "lambda-runtime-invocation-id": delivery.invocationId,
    "content-length": String(delivery.event.byteLength),
  };
  if (delivery.clientContext !== undefined) {
    headers["lambda-runtime-client-context"] = delivery.clientContext;
  }
  if (delivery.tenantId !== undefined) {
    headers["lambda-runtime-aws-tenant-id"] = delivery.tenantId;
  }
  poll.writeHead(200, headers);
  poll.end(delivery.event);
}

async function _route(
  routes: RuntimeApiRoutes,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = request.url ?? "";
  const method = request.method ?? "GET";
  try {
    if (routes.extensions?.handles(url)) {
      return await routes.extensions.handle(request, response);
    }
    if (routes.durable !== undefined && url.startsWith(DURABLE_PREFIX)) {
      return await serveWebOnNode(routes.durable, request, response);
    }
    if (url === `${_RUNTIME}/invocation/next`) {
      if (method !== "GET") return json(response, 405, _methodError());
      return routes.next(response);
    }
    if (url === `${_RUNTIME}/init/error` && method === "POST") {
      const body = await readAll(request, MAX_RESPONSE);
      if (body !== undefined) {
        routes.initError({
          kind: "error",
          body,
          errorType: header(request, "lambda-runtime-function-error-type") ??
            "Runtime.Unknown",
        });
      }
      return json(response, 202, { status: "OK" });
    }
    const match = _REPLY.exec(url);
    if (match === null) {
      await drain(request);
      return json(response, 404, {
        errorMessage: `No such Runtime API path: ${method} ${url}`,
        errorType: "NotFound",
      });
    }
    if (method !== "POST") return json(response, 405, _methodError());
    await _onReply(
      routes,
      decodeURIComponent(match[1]),
      match[2],
      request,
      response,
    );
  } catch (error) {
    if (!response.headersSent) {
      json(response, 500, {
        errorMessage: `The emulator failed: ${message(error)}`,
        errorType: "EmulatorError",
      });
    } else response.destroy();
  }
}

/** A reply to one invocation: refused unless it is delivered and the invocation id matches. */
async function _onReply(
  routes: RuntimeApiRoutes,
  id: string,
  kind: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const found = routes.find(id);
  if (typeof found !== "object") {
    await drain(request);
    if (found === "timed out") {
      return json(response, 410, {
        errorMessage: `Invocation ${id} has already timed out`,
        errorType: "InvocationTimedOut",
      });
    }
    return json(response, 400, {
      errorMessage: found === "completed"
        ? `Invocation ${id} already has an outcome`
        : `Invalid request ID: ${id}`,
      errorType: found === "completed"
        ? "InvalidStateTransition"
        : "InvalidRequestID",
    });
  }
  const echoed = header(request, "lambda-runtime-invocation-id");
  if (echoed !== undefined && echoed !== found.invocationId) {
    await drain(request);
    return json(response, 400, {
      errorMessage:
        `Lambda-Runtime-Invocation-Id ${echoed} does not belong to invocation ${id}`,
      errorType: "InvalidInvocationId",
    });
  }
  if (kind === "error") {
    return await _onError(routes, id, request, response);
  }
  if (
    header(request, "lambda-runtime-function-response-mode")
      ?.toLowerCase() === "streaming"
  ) {
    return await _onStream(routes, id, request, response);
  }
  const body = await readAll(request, MAX_RESPONSE);
  if (body === undefined) {
    // Lambda ends the invocation with its own words; the runtime's later report is too late.
    routes.answer(
      id,
      errorOutcome(
        "Function.ResponseSizeTooLarge",
        `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE} bytes).`,
      ),
    );
    return _tooLarge(response);
  }
  routes.answer(id, {
    kind: "response",
    body,
    contentType: header(request, "content-type") ?? "application/json",
  });
  json(response, 202, { status: "OK" });
}

function _tooLarge(response: ServerResponse): void {
  json(response, 413, {
    errorMessage:
      `Exceeded maximum allowed payload size (${MAX_RESPONSE} bytes).`,
    errorType: "RequestEntityTooLarge",
  });
}

async function _onError(
  routes: RuntimeApiRoutes,
  id: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const body = await readAll(request, MAX_RESPONSE);
  if (body === undefined) return _tooLarge(response);
  const errorType = header(request, "lambda-runtime-function-error-type") ??
    "Runtime.Unknown";
  routes.answer(id, { kind: "error", body, errorType });
  json(response, 202, { status: "OK" });
}

async function _onStream(
  routes: RuntimeApiRoutes,
  id: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const chunks = request[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  let cancelled = false;
  let relay!: ReadableStreamDefaultController<Uint8Array>;
  const relayDone = Promise.withResolvers<void>();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      relay = controller;
    },
    // Pulls one chunk at a time: a slow invoker slows the function down, as on Lambda.
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) {
          relayDone.resolve();
          const failure = _trailerError(request);
          if (failure === undefined) controller.close();
          else controller.error(failure);
          return;
        }
        controller.enqueue(new Uint8Array(next.value));
      } catch (error) {
        relayDone.resolve();
        controller.error(error);
      }
    },
    cancel() {
      cancelled = true;
      relayDone.resolve();
    },
  }, { highWaterMark: 0 });
  routes.stream(id, {
    kind: "stream",
    body,
    contentType: header(request, "content-type") ?? "application/octet-stream",
  }, (reason) => {
    try {
      relay.error(reason);
    } catch {
      // Already closed.
    }
    request.destroy();
  });
  await relayDone.promise;
  // The invoker went away: the function's stream is read to its end and dropped.
  if (cancelled) {
    for (;;) {
      try {
        if ((await chunks.next()).done) break;
      } catch {
        break;
      }
    }
  }
  const failure = _trailerError(request);
  if (failure !== undefined) {
    routes.platform(
      `${
        new Date().toISOString()
      } ${id} The response stream failed: ${failure.message}`,
    );
  }
  // Refused when the invocation already ended (a timeout cut the stream).
  routes.answer(id, { kind: "stream", body, contentType: "" });
  if (!response.destroyed) json(response, 202, { status: "OK" });
}

function _trailerError(request: IncomingMessage): Error | undefined {
  const type = request.trailers?.["lambda-runtime-function-error-type"];
  if (type === undefined) return undefined;
  const encoded = request.trailers["lambda-runtime-function-error-body"];
  let detail = "";
  if (encoded !== undefined) {
    try {
      const report = JSON.parse(fromBase64(encoded));
      detail = typeof report?.errorMessage === "string"
        ? `: ${report.errorMessage}`
        : "";
    } catch {
      detail = " (the error body was not base64 JSON)";
    }
  }
  const error = new Error(`${type}${detail}`);
  error.name = "StreamedResponseError";
  return error;
}

function _methodError() {
  return { errorMessage: "Method not allowed", errorType: "MethodNotAllowed" };
}

/** Decodes base64 text as UTF-8; the text itself when it is not base64. */
export function fromBase64(text: string): string {
  try {
    return new TextDecoder().decode(
      Uint8Array.from(atob(text), (c) => c.charCodeAt(0)),
    );
  } catch {
    return text;
  }
}
