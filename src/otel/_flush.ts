// The wait before `/next`: Deno exports each ended span and log at once (the build sets batches of one), with no way to await it, so `/next` waits out a bound from the last span's end.

/** Remembers when the last invocation's span ended; `settle` waits until that moment plus the bound. */
export interface FlushGate {
  /** An invocation's span ended now. */
  ended(): void;
  /** Resolves once the bound after the last span's end has passed (at once when it has, or on abort). */
  settle(signal?: AbortSignal): Promise<void>;
}

/** A gate over `boundMs` with an injectable clock. */
export function flushGate(
  boundMs: number,
  now: () => number = performance.now.bind(performance),
): FlushGate {
  let until = -Infinity;
  return {
    ended() {
      until = now() + boundMs;
    },
    settle(signal) {
      const wait = until - now();
      if (!(wait > 0) || signal?.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        signal?.addEventListener("abort", done, { once: true });
      });
    },
  };
}
