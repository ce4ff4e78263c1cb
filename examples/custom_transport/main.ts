/**
 * A custom transport plugged into the runtime: every Runtime API call goes
 * through `fetch` as usual, and its duration is logged with the request id.
 * Swap in any `fetch`-compatible function the same way (a proxy, a client
 * with its own connection pool, a recorder for tests).
 *
 * Run it locally: `deno task emulator examples/custom_transport/main.ts`.
 *
 * @module
 */

import { run } from "../../mod.ts";
import type { Transport } from "../../src/runtime.ts";

/** Wraps a transport so that each call's duration goes to stderr. */
export function timed(inner: Transport = fetch): Transport {
  return async (input, init) => {
    const started = performance.now();
    const response = await inner(input, init);
    const path = new URL(input instanceof Request ? input.url : input).pathname;
    const ms = (performance.now() - started).toFixed(2);
    console.error(
      `${init?.method ?? "GET"} ${path} ${response.status} ${ms} ms`,
    );
    return response;
  };
}

if (import.meta.main) {
  run((event: { name?: string }) => ({ hello: event.name ?? "world" }), {
    transport: timed(),
  });
}
