/**
 * Prints each invocation's span tree after its REPORT line. Spans may land
 * just after the REPORT (the runtime exports them before its next `/next`,
 * after its answer): a reported invocation waits, up to a bound, for its
 * invocation span; the tree is printed the moment that span is there, or
 * not at all once the bound passes. Nothing else waits on it.
 *
 * @module
 */

import type { TraceStore } from "./store.ts";
import { treeLines } from "./tree.ts";

/** Starts a timer; returns what cancels it (injected in tests). */
export type SetTimer = (ms: number, fire: () => void) => () => void;

const _realTimer: SetTimer = (ms, fire) => {
  const id = setTimeout(fire, ms);
  return () => clearTimeout(id);
};

/** How the printer is set up. */
export interface TreePrinterOptions {
  store: TraceStore;
  /** Writes one line (a platform line). */
  print(line: string): void;
  /** How long a reported invocation waits for its spans; 1000 ms when absent. */
  waitMs?: number;
  setTimer?: SetTimer;
}

/** Each reported invocation: waiting for its spans (with the timer's cancel), or gone once printed or given up. */
type _Waiting = { readonly cancel: () => void };

/** Prints trees after REPORT lines. */
export class TreePrinter {
  readonly #options: TreePrinterOptions;
  readonly #waiting = new Map<string, _Waiting>();
  readonly #unlisten: () => void;

  /** Creates the printer and listens to the store. */
  constructor(options: TreePrinterOptions) {
    this.#options = options;
    this.#unlisten = options.store.listen(() => {
      for (const id of [...this.#waiting.keys()]) this.#tryPrint(id);
    });
  }

  /** The invocation's REPORT line was written: its tree is printed now, or when its spans arrive. */
  reported(requestId: string): void {
    if (this.#waiting.has(requestId) || this.#print(requestId)) return;
    const { waitMs = 1000, setTimer = _realTimer } = this.#options;
    const cancel = setTimer(waitMs, () => this.#waiting.delete(requestId));
    this.#waiting.set(requestId, { cancel });
  }

  /** Stops waiting for every invocation. */
  close(): void {
    this.#unlisten();
    for (const waiting of this.#waiting.values()) waiting.cancel();
    this.#waiting.clear();
  }

  #tryPrint(requestId: string): void {
    if (!this.#print(requestId)) return;
    this.#waiting.get(requestId)?.cancel();
    this.#waiting.delete(requestId);
  }

  #print(requestId: string): boolean {
    const invocation = this.#options.store.invocation(requestId);
    if (invocation === undefined) return false;
    for (const line of treeLines(invocation.root)) this.#options.print(line);
    return true;
  }
}
