/**
 * The one gate in front of every listener of the local Lambda: a request
 * whose `Host` is not the listener's own address and port is refused (a
 * DNS rebinding page sends its own name), and so is a cross-origin browser
 * request (`Origin` not the listener's own, `Sec-Fetch-Site: cross-site`),
 * except to a function URL, which is public and answers CORS itself. A
 * refusal is a 403 in the API's error shape and one log line; the body is
 * not read and nothing runs.
 *
 * @module
 */

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { ownPorts } from "./permissions/own_ports.ts";

/** Which API a listener serves: its refusals take that API's error shape. */
export type GatedApi = "runtime" | "invoke" | "control-plane" | "otlp";

/**
 * The listener a request arrived at, as {@linkcode gateRefusal} checks it.
 *
 * @example
 * ```ts
 * import type { GateListener } from "./gate.ts";
 *
 * const own: GateListener = { hostname: "127.0.0.1", port: 9000 };
 * ```
 */
export interface GateListener {
  /** The address it is bound to: `127.0.0.1`, or `--host`'s value. */
  hostname: string;
  /** The port it listens on. */
  port: number;
  /** Whether any origin may call (a function URL); `Host` is checked still. */
  anyOrigin?: boolean;
}

const _LOOPBACK = ["127.0.0.1", "localhost", "[::1]"];
const _WILDCARD = ["0.0.0.0", "::", "[::]"];
const _IP = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/;

/**
 * Why a request is refused, or `undefined` when it may pass: its `Host`
 * must be the listener's own `host:port` (loopback names always; the bound
 * address too; any IP literal when bound to every address), and unless
 * `anyOrigin`, an `Origin` must be `http://` and that host and
 * `Sec-Fetch-Site` not `cross-site`.
 *
 * @example
 * ```ts
 * import { gateRefusal } from "./gate.ts";
 * import assert from "node:assert/strict";
 *
 * const own = { hostname: "127.0.0.1", port: 9000 };
 * assert.equal(gateRefusal("127.0.0.1:9000", undefined, undefined, own), undefined);
 * assert.match(gateRefusal("attacker.example:9000", undefined, undefined, own)!, /^Host/);
 * ```
 */
export function gateRefusal(
  host: string | undefined,
  origin: string | undefined,
  secFetchSite: string | undefined,
  own: GateListener,
): string | undefined {
  if (host === undefined || host === "") {
    return "the request has no Host header";
  }
  const normal = host.toLowerCase();
  if (!_isOwnHost(normal, own)) {
    return `Host "${host}" is not this listener's address (${
      ownHosts(own).join(", ")
    }): a page that rebinds its DNS name to this machine sends its own name`;
  }
  if (own.anyOrigin) return undefined;
  if (origin !== undefined && origin.toLowerCase() !== `http://${normal}`) {
    return `Origin "${origin}" is not this listener's (http://${host}): a web page may not call the local Lambda`;
  }
  if (secFetchSite === "cross-site") {
    return `Sec-Fetch-Site is "cross-site": a web page may not call the local Lambda`;
  }
  return undefined;
}

/**
 * The `host:port` values a listener answers to.
 *
 * @example
 * ```ts
 * import { ownHosts } from "./gate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(ownHosts({ hostname: "127.0.0.1", port: 9000 }), [
 *   "127.0.0.1:9000", "localhost:9000", "[::1]:9000",
 * ]);
 * ```
 */
export function ownHosts(own: GateListener): string[] {
  const name = _bracket(own.hostname.toLowerCase());
  const names = _LOOPBACK.includes(name) || _WILDCARD.includes(name)
    ? _LOOPBACK
    : [..._LOOPBACK, name];
  const hosts = names.map((one) => `${one}:${own.port}`);
  return _WILDCARD.includes(name)
    ? [...hosts, `any IP address:${own.port}`]
    : hosts;
}

function _isOwnHost(host: string, own: GateListener): boolean {
  const port = /^(.*):(\d+)$/.exec(host);
  // Without a port, only a hand-written client sends the bare name: a rebinding page's name is its own, with the port.
  const [name, portText] = port === null || port[1].endsWith(":")
    ? [host, String(own.port)]
    : [port[1], port[2]];
  if (ownHosts(own).includes(`${name}:${portText}`)) return true;
  // Bound to every address, the machine answers on each of its IPs; a DNS name there could still be rebound.
  return _WILDCARD.includes(_bracket(own.hostname)) &&
    portText === String(own.port) && _IP.test(name);
}

function _bracket(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]`
    : hostname;
}

/** Where refusals are logged: one line each. */
export type GateLog = (line: string) => void;

const _consoleLog: GateLog = (line) => console.error(line);

/** The 403 body and headers of `api`'s error shape. */
function _refusal(
  api: GatedApi,
  reason: string,
): { body: string; headers: Record<string, string> } {
  const message = `Access denied: ${reason}`;
  if (api === "otlp") {
    // OTLP's error shape: a google.rpc.Status, 7 = PERMISSION_DENIED.
    return {
      body: JSON.stringify({ code: 7, message }),
      headers: { "content-type": "application/json" },
    };
  }
  return api === "runtime"
    ? {
      body: JSON.stringify({
        errorMessage: message,
        errorType: "AccessDeniedException",
      }),
      headers: { "content-type": "application/json" },
    }
    : {
      body: JSON.stringify({ Type: "User", Message: message }),
      headers: {
        "content-type": "application/json",
        "x-amzn-errortype": "AccessDeniedException",
      },
    };
}

function _logLine(
  api: GatedApi,
  method: string,
  path: string,
  reason: string,
): string {
  const names = {
    runtime: "Runtime API",
    invoke: "invoke API",
    "control-plane": "control plane",
    otlp: "OTLP receiver",
  };
  return `Refused ${method} ${path.split("?")[0]} on the ${
    names[api]
  }: ${reason}`;
}

function _isFunctionUrl(api: GatedApi, path: string): boolean {
  return api !== "runtime" && path.startsWith("/lambda-url/");
}

/**
 * Puts the gate in front of a node:http server: its `request` listeners
 * run only for requests the gate lets through; its port joins
 * {@linkcode ownPorts} while it listens. Returns the server.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "node:http";
 * import { gateNodeServer } from "./gate.ts";
 *
 * const server = gateNodeServer("runtime", "127.0.0.1", createServer(handle));
 * ```
 */
export function gateNodeServer(
  api: GatedApi,
  hostname: string,
  server: Server,
  log: GateLog = _consoleLog,
): Server {
  const handlers = server.listeners("request") as ((
    request: IncomingMessage,
    response: ServerResponse,
  ) => void)[];
  server.removeAllListeners("request");
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? "/";
    const reason = gateRefusal(
      _one(request.headers.host),
      _one(request.headers.origin),
      _one(request.headers["sec-fetch-site"]),
      {
        hostname,
        port: request.socket.localPort ?? 0,
        anyOrigin: _isFunctionUrl(api, path),
      },
    );
    if (reason === undefined) {
      for (const handler of handlers) handler(request, response);
      return;
    }
    log(_logLine(api, request.method ?? "GET", path, reason));
    const { body, headers } = _refusal(api, reason);
    // The body stays unread: the connection closes after the answer.
    response.writeHead(403, {
      ...headers,
      "content-length": String(new TextEncoder().encode(body).byteLength),
      connection: "close",
    });
    response.end(body);
  });
  let address: string | undefined;
  server.on("listening", () => {
    address = `${hostname}:${(server.address() as { port: number }).port}`;
    ownPorts.add(address, api);
  });
  server.on("close", () => address && ownPorts.delete(address));
  return server;
}

function _one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * `Deno.serve` with the gate in front of `handler`; its port is in
 * {@linkcode ownPorts} until it finishes.
 *
 * @example
 * ```ts ignore
 * import { gatedServe } from "./gate.ts";
 *
 * const server = gatedServe("control-plane", { hostname: "127.0.0.1", port: 0 }, () => new Response("ok"));
 * ```
 */
export function gatedServe(
  api: GatedApi,
  options: Deno.ServeTcpOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
  log: GateLog = _consoleLog,
): Deno.HttpServer<Deno.NetAddr> {
  const hostname = options.hostname ?? "0.0.0.0";
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    options,
    (request, info) => {
      const refused = gateWebRequest(api, request, {
        hostname,
        port: server.addr.port,
      }, log);
      return refused ?? handler(request, info);
    },
  );
  const address = `${hostname}:${server.addr.port}`;
  ownPorts.add(address, api);
  server.finished.then(() => ownPorts.delete(address));
  return server;
}

/**
 * The gate for a web `Request`: the 403 to answer, or `undefined` to let it pass.
 *
 * @example
 * ```ts
 * import { gateWebRequest } from "./gate.ts";
 * import assert from "node:assert/strict";
 *
 * const request = new Request("http://attacker.example:9000/", { headers: { host: "attacker.example:9000" } });
 * const refused = gateWebRequest("invoke", request, { hostname: "127.0.0.1", port: 9000 }, () => {});
 * assert.equal(refused?.status, 403);
 * ```
 */
export function gateWebRequest(
  api: GatedApi,
  request: Request,
  own: GateListener,
  log: GateLog = _consoleLog,
): Response | undefined {
  const url = new URL(request.url);
  const path = url.pathname + url.search;
  const reason = gateRefusal(
    request.headers.get("host") ?? url.host,
    request.headers.get("origin") ?? undefined,
    request.headers.get("sec-fetch-site") ?? undefined,
    { ...own, anyOrigin: _isFunctionUrl(api, url.pathname) },
  );
  if (reason === undefined) return undefined;
  log(_logLine(api, request.method, path, reason));
  const { body, headers } = _refusal(api, reason);
  return new Response(body, { status: 403, headers });
}
