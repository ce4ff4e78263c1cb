// A cyclic barrier: shows that K things run at once without sleeping and hoping they overlap.

/** A meeting point for `parties` callers at a time. */
export interface Barrier {
  /** Resolves once `parties` callers (this one included) have arrived in this round. */
  arrive(): Promise<void>;
  /** How many callers have arrived in all. */
  readonly arrived: number;
}

/**
 * A barrier released each time `parties` callers have arrived. A round still
 * short after `guardMs` rejects, naming how many came, so a broken guarantee
 * fails the test instead of hanging it.
 */
export function barrier(parties: number, guardMs = 10_000): Barrier {
  let arrived = 0;
  let round: {
    waiting: number;
    release: () => void;
    promise: Promise<void>;
  } | undefined;
  return {
    get arrived() {
      return arrived;
    },
    arrive() {
      arrived++;
      if (round === undefined) {
        const { promise, resolve, reject } = Promise.withResolvers<void>();
        const current = { waiting: 0, promise, release: () => {} };
        const guard = setTimeout(() => {
          if (round === current) round = undefined;
          reject(
            new Error(
              `only ${current.waiting} of ${parties} arrived at the barrier`,
            ),
          );
        }, guardMs);
        current.release = () => {
          clearTimeout(guard);
          resolve();
        };
        round = current;
      }
      const current = round;
      current.waiting++;
      if (current.waiting === parties) {
        round = undefined;
        current.release();
      }
      return current.promise;
    },
  };
}
