// Time as the durable engine sees it: now, and how long a durable delay (a wait, a retry) really takes.

/** `real`: delays take their time; `fast`: each wait and retry delay fires at once (the log says so). */
export type DurableTimeMode = "real" | "fast";

/** The engine's clock: injected, so tests and `--durable-time fast` skip days of waiting. */
export interface DurableClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** The milliseconds to really wait for a durable delay of `ms` (a wait, a retry delay). */
  delay(ms: number): number;
  /** Schedules `fire` after `ms` real milliseconds; the returned function cancels it. */
  schedule(ms: number, fire: () => void): () => void;
  /** Its mode, named in the log when it skips a delay. */
  readonly mode: DurableTimeMode;
}

/** The clock of `mode` on the system's time. */
export function durableClock(mode: DurableTimeMode): DurableClock {
  return {
    mode,
    now: () => Date.now(),
    delay: (ms) => mode === "fast" ? 0 : Math.max(0, ms),
    schedule(ms, fire) {
      // setTimeout holds at most 2^31-1 ms: a longer wait re-arms.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = (left: number) => {
        const step = Math.min(left, 2 ** 31 - 1);
        timer = setTimeout(
          () => left > step ? arm(left - step) : fire(),
          Math.max(0, step),
        );
      };
      arm(ms);
      return () => clearTimeout(timer);
    },
  };
}

/** Says how long a delay is, in the largest unit that fits, to a tenth: "3 days", "1.5 hours". */
export function describeSeconds(seconds: number): string {
  const units: [number, string][] = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
    [1, "second"],
  ];
  for (const [size, name] of units) {
    if (seconds >= size || size === 1) {
      const n = Number((seconds / size).toFixed(1));
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return `${seconds} seconds`;
}
