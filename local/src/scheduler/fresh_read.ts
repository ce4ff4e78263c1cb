/**
 * A reading shared by everyone who asks while one is under way: at most one
 * read runs and one more waits, however many invocations ask, so the memory
 * peak costs a bounded number of cgroup reads and holds no invocation.
 *
 * @module
 */

/**
 * Reads that start after they are asked for, coalesced: callers that ask
 * while a read runs share the next one.
 *
 * @example
 * ```ts
 * import { FreshRead } from "./fresh_read.ts";
 * import assert from "node:assert/strict";
 *
 * let reads = 0;
 * const peak = new FreshRead(() => Promise.resolve(++reads));
 * const all = await Promise.all([peak.read(), peak.read(), peak.read()]);
 * assert.deepEqual(all, [1, 2, 2]);
 * ```
 */
export class FreshRead<T> {
  #source: () => Promise<T>;
  #running: Promise<T> | undefined;
  #following: Promise<T> | undefined;

  /** Reads with `source`. */
  constructor(source: () => Promise<T>) {
    this.#source = source;
  }

  /** A reading begun no earlier than this call. */
  read(): Promise<T> {
    if (this.#following !== undefined) return this.#following;
    if (this.#running === undefined) return this.#start();
    const following = this.#running.then(_nothing, _nothing).then(() => {
      this.#following = undefined;
      return this.#start();
    });
    this.#following = following;
    return following;
  }

  #start(): Promise<T> {
    const running = this.#source();
    this.#running = running;
    const clear = () => {
      if (this.#running === running) this.#running = undefined;
    };
    running.then(clear, clear);
    return running;
  }
}

function _nothing(): void {}
