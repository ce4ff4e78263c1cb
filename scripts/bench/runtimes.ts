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
  /** Runs with V8's heap sized to the memory size (`heapFlags`), as a built bootstrap does. */
  sizedHeap?: boolean;
}

/**
 * Every runtime the bench knows, in table order. The fetch floor is the
 * reference for the ratios. The floors run in the heap `rtl-lambda` is
 * deployed with (`sizedHeap`), so that a ratio is the runtime's own cost,
 * not V8's heap flags (at 1 MB the sized heap collects more often: an
 * unsized `floor-json` came out 9 to 12 % faster for it, peaking 40 MB higher).
 *
 * Each transport `src/` ships has its entry (`rtl-socket` for
 * `socketTransport`), so that the README's advice on which to pick rests on
 * figures from the same run.
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
      "@rtl/lambda as deployed: default fetch transport, heap sized to the memory size, handler returns the event",
    script: "scripts/bench/passthrough.ts",
    sizedHeap: true,
  },
  {
    name: "rtl-unsized",
    description:
      "the same with V8's default heap (RTL_LAMBDA_HEAP=off): what the heap sizing costs or saves",
    script: "scripts/bench/passthrough.ts",
  },
  {
    name: "rtl-socket",
    description:
      "@rtl/lambda as deployed, on socketTransport (one raw HTTP/1.1 socket) instead of fetch",
    script: "scripts/bench/passthrough_socket.ts",
    sizedHeap: true,
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
    sizedHeap: true,
  },
  {
    name: "floor-json",
    description:
      "the fetch floor plus the contract: User-Agent, JSON.parse, JSON.stringify",
    script: "scripts/bench/floor_json.ts",
    sizedHeap: true,
  },
  {
    name: "floor-socket",
    description: "hand-written loop over one Deno.connect HTTP/1.1 socket",
    script: "scripts/bench/floor_socket.ts",
    sizedHeap: true,
  },
];

/** The runtime the ratios are taken against unless `--floor` says otherwise. */
export const DEFAULT_FLOOR = "floor-fetch";

/** Payloads above this size are skipped for `smallOnly` runtimes. */
export const SMALL_PAYLOAD_BYTES = 4096;
