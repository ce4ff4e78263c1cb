/**
 * The ports this process listens on (every gated listener registers
 * here), so that a function it starts is denied all of them but its own
 * Runtime API.
 *
 * @module
 */

/** What a port serves. */
export type OwnPortKind = "runtime" | "invoke" | "control-plane" | "otlp";

/**
 * The listening addresses of this process, by `host:port`.
 *
 * @example
 * ```ts
 * import { OwnPorts } from "./own_ports.ts";
 * import assert from "node:assert/strict";
 *
 * const ports = new OwnPorts();
 * ports.add("127.0.0.1:9000", "invoke");
 * ports.add("127.0.0.1:9001", "runtime");
 * assert.deepEqual(ports.deniedTo("127.0.0.1:9001"), [
 *   "127.0.0.1:9000", "localhost:9000", "[::1]:9000", "0.0.0.0:9000", "[::]:9000",
 * ]);
 * ```
 */
export class OwnPorts {
  readonly #addresses = new Map<string, OwnPortKind>();

  /** Records a listening address. */
  add(address: string, kind: OwnPortKind): void {
    this.#addresses.set(address, kind);
  }

  /** Forgets an address once its listener is closed. */
  delete(address: string): void {
    this.#addresses.delete(address);
  }

  /**
   * What a function whose Runtime API is `runtimeApi` may not reach: every
   * other port, under each name that reaches it (loopback's, the wildcard
   * address Linux routes to loopback, the bound address). `otlpEndpoint`
   * (the function's `OTEL_EXPORTER_OTLP_ENDPOINT`) stays reachable only
   * when it names one of these ports that is an OTLP receiver.
   */
  deniedTo(runtimeApi: string | undefined, otlpEndpoint?: string): string[] {
    const own = runtimeApi?.slice(runtimeApi.lastIndexOf(":") + 1);
    const otlp = _port(otlpEndpoint);
    const denied = new Set<string>();
    for (const [address, kind] of this.#addresses) {
      const at = address.lastIndexOf(":");
      const port = address.slice(at + 1);
      if (port === own || (kind === "otlp" && port === otlp)) continue;
      const host = address.slice(0, at);
      const bound = host.includes(":") && !host.startsWith("[")
        ? `[${host}]`
        : host;
      for (
        const name of [
          "127.0.0.1",
          "localhost",
          "[::1]",
          "0.0.0.0",
          "[::]",
          bound,
        ]
      ) denied.add(`${name}:${port}`);
    }
    return [...denied];
  }
}

/** The port of an `http://host:port` endpoint, if it names one. */
function _port(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  try {
    return new URL(endpoint).port || undefined;
  } catch {
    return undefined;
  }
}

/**
 * This process's listening addresses: the gate adds each listener.
 *
 * @example
 * ```ts
 * import { ownPorts } from "./own_ports.ts";
 *
 * console.log(ownPorts.deniedTo(undefined));
 * ```
 */
export const ownPorts: OwnPorts = new OwnPorts();
