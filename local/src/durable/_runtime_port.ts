// The durable API a function calls, served on its own Runtime API port (the one port its sandbox may
// reach): node:http's request becomes a web Request for the routes, their Response is written back.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readAll } from "../_node_http.ts";

/** The path prefix of the operations a durable function calls. */
export const DURABLE_PREFIX = "/2025-12-01/durable-executions/";

/** A web handler's answer to a node:http request; `undefined` from it is a 404. */
export async function serveWebOnNode(
  handle: (request: Request) => Promise<Response | undefined>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method ?? "GET";
  const body = method === "GET" || method === "HEAD"
    ? undefined
    : await readAll(request);
  const headers = new Headers();
  for (const [key, value] of Object.entries(request.headers)) {
    if (typeof value === "string") headers.set(key, value);
  }
  const web = new Request(`http://127.0.0.1${request.url ?? "/"}`, {
    method,
    headers,
    body: body as BodyInit | undefined,
  });
  const answer = await handle(web) ??
    Response.json({ message: "Not found" }, { status: 404 });
  const bytes = new Uint8Array(await answer.arrayBuffer());
  const out: Record<string, string> = {};
  answer.headers.forEach((value, key) => out[key] = value);
  out["content-length"] = String(bytes.byteLength);
  response.writeHead(answer.status, out);
  response.end(bytes);
}
