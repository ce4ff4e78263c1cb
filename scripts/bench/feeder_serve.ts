/**
 * The same feeder as `feeder.ts`, on `Deno.serve`: kept to check that the
 * raw-socket feeder is not what limits the figures (`--feeder serve`).
 *
 * @module
 */

import type { Feeder } from "./feeder.ts";
import {
  type FeederOptions,
  Ledger,
  NEXT_PATH,
  parseOutcomePath,
} from "./ledger.ts";

const _OK = '{"status":"OK"}\n';

/**
 * Starts a `Deno.serve` feeder on 127.0.0.1, on a free port. Timings are
 * taken when the handler returns and when the body is read: hyper's own
 * writing and parsing fall inside them.
 *
 * @example
 * ```ts ignore
 * import { startServeFeeder } from "./feeder_serve.ts";
 *
 * await using feeder = startServeFeeder({ event: new TextEncoder().encode("{}"), count: 100, warmup: 10 });
 * ```
 */
export function startServeFeeder(options: FeederOptions): Feeder {
  const ledger = new Ledger(options);
  const closed = Promise.withResolvers<void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const path = request.url.slice(request.url.indexOf("/", 7));
      if (request.method === "GET" && path === NEXT_PATH) {
        const headers = ledger.next();
        if (headers === undefined) {
          await closed.promise;
          return new Response(null, { status: 503 });
        }
        const response = new Response(ledger.event, { headers });
        ledger.written(performance.now());
        return response;
      }
      const body = await request.bytes();
      const now = performance.now();
      const outcome = request.method === "POST"
        ? parseOutcomePath(path)
        : undefined;
      if (outcome === undefined) {
        ledger.stray();
        return new Response(null, { status: 404 });
      }
      ledger.outcome(outcome[0], outcome[1], body.length, now);
      return new Response(_OK, {
        status: 202,
        headers: { "content-type": "application/json" },
      });
    },
  );
  async function close(): Promise<void> {
    closed.resolve();
    await server.shutdown();
  }
  return {
    runtimeApi: `127.0.0.1:${server.addr.port}`,
    firstNext: ledger.firstNext,
    done: ledger.done,
    close,
    [Symbol.asyncDispose]: close,
  };
}
