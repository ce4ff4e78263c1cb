// The log tail Lambda returns for `LogType: Tail`: the last 4 KB of one invocation's lines, START to REPORT.

import type { OutputSink } from "./function_process.ts";

/** Lambda's limit on the returned log. */
const _TAIL_BYTES = 4096;
const _encoder = new TextEncoder();

interface _Watch {
  lines: string[];
  open: boolean;
  done: PromiseWithResolvers<string>;
}

/** Records the lines of the invocations someone asked a tail for. */
export interface LogTail {
  /** The sink to write through: it passes every line on and records the watched ones. */
  readonly sink: OutputSink;
  /** The base64 tail of invocation `id`, once its REPORT line is out; call before it starts. */
  watch(id: string): Promise<string>;
  /** Settles every watch still open with what it has. */
  close(): void;
}

/** A log tail in front of `sink`. */
export function createLogTail(sink: OutputSink): LogTail {
  const watches = new Map<string, _Watch>();
  function settle(id: string, watch: _Watch): void {
    watches.delete(id);
    watch.done.resolve(tailOf(watch.lines));
  }
  return {
    sink(line, source) {
      sink(line, source);
      if (watches.size === 0) return;
      if (source === "platform") {
        const start = /^START RequestId: (\S+)/.exec(line);
        const watched = start && watches.get(start[1]);
        if (watched) watched.open = true;
      }
      for (const watch of watches.values()) {
        if (watch.open) watch.lines.push(line);
      }
      const report = source === "platform" &&
        /^REPORT RequestId: (\S+)/.exec(line);
      const ended = report && watches.get(report[1]);
      if (ended) settle(report[1], ended);
    },
    watch(id) {
      const watch: _Watch = {
        lines: [],
        open: false,
        done: Promise.withResolvers(),
      };
      watches.set(id, watch);
      return watch.done.promise;
    },
    close() {
      for (const [id, watch] of watches) settle(id, watch);
    },
  };
}

/** Base64 of the last 4 KB of `lines`, one per line. */
export function tailOf(lines: string[]): string {
  const bytes = _encoder.encode(lines.map((line) => line + "\n").join(""));
  const tail = bytes.subarray(Math.max(0, bytes.byteLength - _TAIL_BYTES));
  let binary = "";
  for (const byte of tail) binary += String.fromCharCode(byte);
  return btoa(binary);
}
