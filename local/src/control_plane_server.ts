/**
 * The control plane on an HTTP server of its own, for
 * `deno task emulator --control-plane` without a function.
 *
 * @module
 */

import {
  type ControlPlane,
  type ControlPlaneOptions,
  createControlPlane,
} from "./control_plane.ts";
import { PortInUseError } from "./emulator.ts";
import { gatedServe } from "./gate.ts";
import { guardControlPlane } from "./_beyond_loopback.ts";
import { forbidden } from "./_control_plane/front.ts";

/**
 * A control plane listening: deploy to `url` (`--endpoint-url`).
 *
 * @example
 * ```ts ignore
 * import { serveControlPlane } from "@rtl/lambda-local";
 *
 * await using server = await serveControlPlane({ port: 0 });
 * console.log(server.url);
 * ```
 */
export interface ControlPlaneServer extends AsyncDisposable {
  /** The base URL, `http://host:port`. */
  readonly url: string;
  /** The control plane it serves. */
  readonly plane: ControlPlane;
  /** Stops the deployed functions and the server. */
  close(): Promise<void>;
}

/**
 * Where the control plane listens, and its options.
 *
 * @example
 * ```ts
 * import type { ControlPlaneServerOptions } from "@rtl/lambda-local";
 *
 * const options: ControlPlaneServerOptions = { hostname: "127.0.0.1", port: 9000 };
 * ```
 */
export interface ControlPlaneServerOptions
  extends Omit<ControlPlaneOptions, "functionUrl"> {
  /** The address; `127.0.0.1` when absent. */
  hostname?: string;
  /** The port; 9000 when absent, 0 for any free one. */
  port?: number;
}

/**
 * Serves a new control plane over HTTP.
 *
 * @example
 * ```ts ignore
 * import { serveControlPlane } from "@rtl/lambda-local";
 *
 * await using server = await serveControlPlane({ port: 0 });
 * const response = await fetch(`${server.url}/2015-03-31/functions`);
 * console.log(await response.json());
 * ```
 */
export function serveControlPlane(
  options: ControlPlaneServerOptions = {},
): Promise<ControlPlaneServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 9000;
  let url = "";
  const plane = createControlPlane({
    ...options,
    functionUrl: (name) => `${url}/lambda-url/${name}/`,
  });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = gatedServe(
      "control-plane",
      { hostname, port, onListen: () => {} },
      guardControlPlane(
        hostname,
        options,
        async (request) => await plane.handle(request) ?? _notServed(request),
      ),
    );
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new PortInUseError(hostname, port, { cause: error });
    }
    throw error;
  }
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  url = `http://${host}:${server.addr.port}`;
  async function close(): Promise<void> {
    await plane.close();
    await server.shutdown();
  }
  return Promise.resolve({
    url,
    plane,
    close,
    [Symbol.asyncDispose]: close,
  });
}

/** A path the plane does not serve: a function URL it does not have is Lambda's 403, anything else a 404 saying what it serves. */
function _notServed(request: Request): Promise<Response> | Response {
  if (new URL(request.url).pathname.startsWith("/lambda-url/")) {
    return forbidden(request);
  }
  return Response.json({
    message:
      "This control plane serves the Lambda API under /2015-03-31/functions and /2021-10-31/functions",
  }, { status: 404 });
}
