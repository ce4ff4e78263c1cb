/**
 * Watching the process's memory against the function's memory size, so that
 * running out shows in the log with its figures before Lambda's silent kill.
 *
 * @module
 */

import type { Logger } from "../core/logger.ts";
import type { Layer } from "../core/layer.ts";
import type { MemoryWatch } from "../core/types.ts";

/**
 * What the watch reads: `Deno.memoryUsage()`'s shape, in bytes.
 */
export interface MemoryReading {
  /** Resident memory of the whole process. */
  rss: number;
  /** V8 heap reserved. */
  heapTotal: number;
  /** V8 heap in use. */
  heapUsed: number;
  /** Memory outside the heap that JavaScript objects hold (ArrayBuffers). */
  external: number;
}

/**
 * Options for {@linkcode createMemoryWatch}.
 */
export interface MemoryWatchOptions {
  /** The function's memory size in MB (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`). */
  memorySizeMB: number;
  /** Where the warning goes. */
  logger: Logger;
  /** Reads the process's memory; `Deno.memoryUsage` by default. */
  read?: () => MemoryReading;
  /** Milliseconds since some fixed point; `performance.now` by default. */
  now?: () => number;
  /** Reads at most this often after small events, in ms; 1000 by default. */
  intervalMs?: number;
  /** The share of the memory size that is "near the limit"; 0.9 by default. */
  threshold?: number;
}

/** An event this large can grow memory fast: the watch reads after it, but see `_ROOM_SHARE`. */
const _LARGE_EVENT = 64 * 1024;
/**
 * Far from the limit, a reading waits for large events adding up to this share
 * of the room left below the threshold: memory that keeps every event, parsed
 * at up to four times its text, cannot cross it unread. A reading after every
 * 1 MB event cost about 10 % of the throughput, far more than its own 50 µs
 * (V8's heap statistics disturb its collector).
 */
const _ROOM_SHARE = 1 / 4;
/** Below this share the warning re-arms, so that each approach is reported once. */
const _REARM = 0.8;
const _MB = 1024 * 1024;

/**
 * Creates a watch that logs one `Runtime.OutOfMemory` warning, with the
 * figures, when the process's resident memory reaches `threshold` of the
 * memory size, and again only after it went back below 80%. Reading memory
 * is not free, so it reads at most once per `intervalMs`, and sooner after
 * large events (64 KB and more) once they add up to a quarter of the room
 * the last reading left below the threshold: after every one near it.
 */
export function createMemoryWatch(options: MemoryWatchOptions): MemoryWatch {
  const limit = options.memorySizeMB * _MB;
  const threshold = options.threshold ?? 0.9;
  const intervalMs = options.intervalMs ?? 1000;
  const read = options.read ?? Deno.memoryUsage;
  const now = options.now ?? (() => performance.now());
  let lastRead = -Infinity;
  let warned = false;
  // Bytes of events since the last reading, and how many may come before the next.
  let received = 0;
  let allowance = 0;
  return {
    afterInvocation(eventLength) {
      const at = now();
      received += eventLength;
      const large = eventLength >= _LARGE_EVENT && received >= allowance;
      if (!large && at - lastRead < intervalMs) return;
      lastRead = at;
      received = 0;
      let reading: MemoryReading;
      try {
        reading = read();
      } catch {
        return;
      }
      allowance = Math.max(0, limit * threshold - reading.rss) * _ROOM_SHARE;
      if (reading.rss < limit * _REARM) warned = false;
      if (warned || reading.rss < limit * threshold) return;
      warned = true;
      const size = options.memorySizeMB;
      const figures = {
        errorType: "Runtime.OutOfMemory",
        rssMB: _mb(reading.rss),
        memorySizeMB: size,
        heapUsedMB: _mb(reading.heapUsed),
        heapTotalMB: _mb(reading.heapTotal),
        externalMB: _mb(reading.external),
      };
      options.logger.error(
        `Runtime.OutOfMemory: the function uses ${figures.rssMB} MB of its ${size} MB memory size ` +
          `(V8 heap ${figures.heapUsedMB} MB used of ${figures.heapTotalMB} MB, ` +
          `${figures.externalMB} MB in buffers outside it); Lambda stops it at ${size} MB. ` +
          `Raise the memory size, or keep less in memory between invocations.`,
        figures,
      );
    },
  };
}

function _mb(bytes: number): number {
  return Math.round(bytes / _MB);
}

/** The layer `run()` lists: `watch` checks memory once each handler call has settled, with its event's length. */
export function memoryWatchLayer(watch: MemoryWatch): Layer {
  return {
    name: "memory watch",
    scope: (context, invoke) => {
      const eventLength = context.rawEvent.length;
      // then, not finally: finally makes two more promises per invocation.
      return invoke().then((value) => {
        watch.afterInvocation(eventLength);
        return value;
      }, (error) => {
        watch.afterInvocation(eventLength);
        throw error;
      });
    },
  };
}
