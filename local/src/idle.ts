/**
 * `--shutdown-after`: notices when no invocation has run for a while, from
 * the platform's `START` and `END` lines, as Lambda spins an idle sandbox
 * down.
 *
 * @module
 */

import type { OutputSink } from "./function_process.ts";

/** A sink that watches for idleness, and the switch of its timer. */
export interface IdleWatcher {
  /** Passes each line on, and counts invocations from `START`/`END` lines. */
  readonly output: OutputSink;
  /** Arms the timer (call once the emulator is up). */
  start(): void;
  /** Disarms it for good. */
  stop(): void;
}

const _encoder = new TextEncoder();

/**
 * Calls `onIdle` once, when `seconds` pass with no invocation running.
 * Lines go on to `sink`, or to stderr when it is absent.
 */
export function watchIdle(
  seconds: number,
  onIdle: () => void,
  sink?: OutputSink,
): IdleWatcher {
  let running = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  function arm(): void {
    clearTimeout(timer);
    if (stopped || running > 0) return;
    timer = setTimeout(() => {
      stopped = true;
      onIdle();
    }, seconds * 1000);
  }
  return {
    output(line, source) {
      if (sink !== undefined) sink(line, source);
      else _stderr(line);
      if (source !== "platform") return;
      if (line.startsWith("START RequestId:")) {
        running++;
        clearTimeout(timer);
      } else if (line.startsWith("END RequestId:")) {
        running = Math.max(0, running - 1);
        arm();
      }
    },
    start: arm,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function _stderr(line: string): void {
  let bytes = _encoder.encode(line + "\n");
  try {
    while (bytes.length > 0) {
      bytes = bytes.subarray(Deno.stderr.writeSync(bytes));
    }
  } catch {
    // stderr closed.
  }
}
