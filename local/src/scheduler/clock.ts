/**
 * The scheduler's time: wall-clock milliseconds for deadlines, a monotonic
 * reading for durations, and timers; injected so tests advance it by hand.
 *
 * @module
 */

/** Cancels a timer; a second call does nothing. */
export type CancelTimer = () => void;

/** Time as the scheduler reads it. */
export interface Clock {
  /** Milliseconds since the epoch (deadlines, `Lambda-Runtime-Deadline-Ms`). */
  now(): number;
  /** A monotonic reading in milliseconds (durations). */
  monotonic(): number;
  /** Calls `callback` once after `ms` milliseconds. */
  setTimer(ms: number, callback: () => void): CancelTimer;
}

/** The machine's clock: `Date.now`, `performance.now` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(ms, callback) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};
