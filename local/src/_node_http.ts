// The small pieces of node:http plumbing the Runtime API, Extensions API and Telemetry API share.
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { gateNodeServer } from "./gate.ts";

const _encoder = new TextEncoder();

/** Listens on a free loopback port; the /next long poll has no timeout on Lambda, nor here. */
export function listenNode(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<Server> {
  // Lambda accepts headers far beyond Node's 16 KiB default (an X-Ray cause, a client context).
  const server = createServer({ maxHeaderSize: 1 << 20 }, handle);
  gateNodeServer("runtime", "127.0.0.1", server);
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 0;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** Reads a whole body; `undefined` (with the rest drained) when it is over `limit` bytes. */
export async function readAll(
  request: IncomingMessage,
  limit: number = Infinity,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) {
      await drain(request);
      return undefined;
    }
    chunks.push(chunk);
  }
  if (chunks.length === 1) return new Uint8Array(chunks[0]);
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Reads and discards a body so that the connection stays usable. */
export async function drain(request: IncomingMessage): Promise<void> {
  try {
    for await (const _ of request as AsyncIterable<Uint8Array>) {
      // Discarded.
    }
  } catch {
    // The client went away.
  }
}

/** A body parsed as JSON; `undefined` when empty, unreadable or not JSON. */
// deno-lint-ignore no-explicit-any
export async function readJson(request: IncomingMessage): Promise<any> {
  let body: Uint8Array | undefined;
  try {
    body = await readAll(request);
  } catch {
    return undefined;
  }
  const text = new TextDecoder().decode(body);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A request header as one string (repeated ones joined). */
export function header(
  request: IncomingMessage,
  name: string,
): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Answers with a JSON body, unless the response is already over. */
export function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.destroyed || response.writableEnded) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": String(_encoder.encode(text).byteLength),
  });
  response.end(text);
}

/** An error's message, or the thrown value as text. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
