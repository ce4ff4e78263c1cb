/**
 * The runtimes the bench compares. Each is a script run with the same
 * `deno run` command line and the same environment.
 *
 * @module
 */

/** A runtime under test. */
export interface BenchRuntime {
  /** Its name in flags, tables and JSON. */
  name: string;
  /** One line on what it is. */
  description: string;
  /** The script, relative to the project's root. */
  script: string;
  /** Benched with small payloads only (its result is not the event). */
  smallOnly?: boolean;
}

/**
 * Every runtime the bench knows, in table order. The fetch floor is the
 * reference for the ratios.
 *
 * A socket-level transport shipped in `src/` goes here as its own entry
 * (`rtl-lambda-socket`): a copy of `passthrough.ts` that passes it as
 * `run(handler, { transport })` or `{ runtimeApi }`.
 *
 * @example
 * ```ts
 * import { RUNTIMES } from "./runtimes.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(RUNTIMES.some((runtime) => runtime.name === "floor-fetch"));
 * ```
 */
export const RUNTIMES: readonly BenchRuntime[] = [
  {
    name: "rtl-lambda",
    description:
      "@rtl/lambda, default fetch transport, handler returns the event",
    script: "scripts/bench/passthrough.ts",
  },
  {
    name: "rtl-echo",
    description: "examples/echo on @rtl/lambda (small payloads)",
    script: "examples/echo/main.ts",
    smallOnly: true,
  },
  {
    name: "floor-fetch",
    description: "hand-written loop: fetch next, fetch response, nothing else",
    script: "scripts/bench/floor_fetch.ts",
  },
  {
    name: "floor-socket",
    description: "hand-written loop over one Deno.connect HTTP/1.1 socket",
    script: "scripts/bench/floor_socket.ts",
  },
];

/** The runtime the ratios are taken against unless `--floor` says otherwise. */
export const DEFAULT_FLOOR = "floor-fetch";

/** Payloads above this size are skipped for `smallOnly` runtimes. */
export const SMALL_PAYLOAD_BYTES = 4096;
