/**
 * The feeder's bookkeeping, shared by its two servers: which invocation is
 * out, when its `/next` answer was written, and when its outcome came back.
 *
 * @module
 */

/** What a feeder hands out and how many times. */
export interface FeederOptions {
  /** The event, sent as is as every `/next` body. */
  event: Uint8Array<ArrayBuffer>;
  /** How many invocations to serve; the next `/next` is then held open. */
  count: number;
  /** The first invocations, left out of the figures (JIT and pools warming up). */
  warmup: number;
  /** The function's timeout in seconds, for `Lambda-Runtime-Deadline-Ms`; 60 by default. */
  timeout?: number;
  /** Called once, when the last warm-up invocation's outcome arrived. */
  onWarm?: () => void;
}

/** What a feeder measured. */
export interface FeederResult {
  /** Per measured invocation: µs from writing `/next`'s answer to the whole outcome received. */
  overheadsUs: Float64Array;
  /** Seconds from the first measured `/next` answer to the last outcome. */
  measuredSeconds: number;
  /** `performance.now()` when the first `/next` arrived. */
  firstNextAt: number;
  /** Outcomes received: responses and errors. */
  completed: number;
  /** Outcomes posted to `/error`. */
  errors: number;
  /** Bytes of all response bodies. */
  responseBytes: number;
  /** Requests for a path or id the feeder did not expect. */
  unexpected: number;
}

const _ARN = "arn:aws:lambda:us-east-1:123456789012:function:bench";

/** The per-invocation state both feeder servers drive. */
export class Ledger {
  readonly #options: FeederOptions;
  readonly #overheads: Float64Array;
  readonly #done = Promise.withResolvers<FeederResult>();
  readonly #firstNext = Promise.withResolvers<number>();
  #served = 0;
  #completed = 0;
  #errors = 0;
  #responseBytes = 0;
  #unexpected = 0;
  #firstNextAt = NaN;
  #writtenAt = NaN;
  #measureStart = NaN;
  #currentId = "";

  /** Starts empty. */
  constructor(options: FeederOptions) {
    this.#options = options;
    this.#overheads = new Float64Array(
      Math.max(0, options.count - options.warmup),
    );
  }

  /** Resolves with the time the first `/next` arrived. */
  get firstNext(): Promise<number> {
    return this.#firstNext.promise;
  }

  /** Resolves when every invocation's outcome arrived. */
  get done(): Promise<FeederResult> {
    return this.#done.promise;
  }

  /** The event body. */
  get event(): Uint8Array<ArrayBuffer> {
    return this.#options.event;
  }

  /** A `/next` arrived: the headers of the next invocation, or `undefined` when all were served. */
  next(): Record<string, string> | undefined {
    if (Number.isNaN(this.#firstNextAt)) {
      this.#firstNextAt = performance.now();
      this.#firstNext.resolve(this.#firstNextAt);
    }
    if (this.#served >= this.#options.count) return undefined;
    const index = this.#served++;
    this.#currentId = `8476a536-e9f4-11e8-9739-${
      index.toString(16).padStart(12, "0")
    }`;
    return {
      "content-type": "application/json",
      "lambda-runtime-aws-request-id": this.#currentId,
      "lambda-runtime-deadline-ms": String(
        Date.now() + (this.#options.timeout ?? 60) * 1000,
      ),
      "lambda-runtime-invoked-function-arn": _ARN,
      "lambda-runtime-trace-id": `Root=1-67cee000-${
        index.toString(16).padStart(24, "0")
      };Parent=9a9197af755a6419;Sampled=0;Lineage=1:2c4e1e11:0`,
    };
  }

  /** The answer to the `/next` just handed out is being written now. */
  written(now: number): void {
    this.#writtenAt = now;
    if (this.#served === this.#options.warmup + 1) this.#measureStart = now;
  }

  /** An outcome arrived in full; `kind` is the last path segment. */
  outcome(id: string, kind: string, bytes: number, now: number): boolean {
    if (id !== this.#currentId || (kind !== "response" && kind !== "error")) {
      this.#unexpected++;
      return false;
    }
    this.#currentId = "";
    const index = this.#completed++;
    if (kind === "error") this.#errors++;
    else this.#responseBytes += bytes;
    const measured = index - this.#options.warmup;
    if (measured >= 0) {
      this.#overheads[measured] = (now - this.#writtenAt) * 1000;
    }
    if (this.#completed === this.#options.warmup) this.#options.onWarm?.();
    if (this.#completed === this.#options.count) {
      this.#done.resolve({
        overheadsUs: this.#overheads,
        measuredSeconds: (now - this.#measureStart) / 1000,
        firstNextAt: this.#firstNextAt,
        completed: this.#completed,
        errors: this.#errors,
        responseBytes: this.#responseBytes,
        unexpected: this.#unexpected,
      });
    }
    return true;
  }

  /** A request for something the feeder does not serve. */
  stray(): void {
    this.#unexpected++;
  }
}

/**
 * Splits a Runtime API outcome path into the request id and the outcome kind.
 *
 * @example
 * ```ts
 * import { parseOutcomePath } from "./ledger.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseOutcomePath("/2018-06-01/runtime/invocation/abc/response"), ["abc", "response"]);
 * assert.equal(parseOutcomePath("/elsewhere"), undefined);
 * ```
 */
export function parseOutcomePath(
  path: string,
): [id: string, kind: string] | undefined {
  const prefix = "/2018-06-01/runtime/invocation/";
  if (!path.startsWith(prefix)) return undefined;
  const slash = path.indexOf("/", prefix.length);
  if (slash < 0) return undefined;
  return [path.slice(prefix.length, slash), path.slice(slash + 1)];
}

/** The path of `/next`. */
export const NEXT_PATH = "/2018-06-01/runtime/invocation/next";
