/**
 * Progress lines for the long steps of a build, with sizes and durations.
 *
 * @module
 */

/**
 * Where progress lines go; stderr by default.
 *
 * @example
 * ```ts
 * import type { ProgressSink } from "./progress.ts";
 *
 * const lines: string[] = [];
 * const collect: ProgressSink = (line) => lines.push(line);
 * ```
 */
export type ProgressSink = (line: string) => void;

/**
 * Writes a line to stderr.
 *
 * @example
 * ```ts ignore
 * import { stderrProgress } from "./progress.ts";
 *
 * stderrProgress("bundle   main.js … done");
 * ```
 */
export function stderrProgress(line: string): void {
  console.error(line);
}

/**
 * A size in bytes for people: `812 B`, `121.3 KiB`, `40.1 MiB`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./progress.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatBytes(52_428_800), "50.0 MiB");
 * assert.equal(formatBytes(512), "512 B");
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * A duration in milliseconds as seconds: `0.4 s`.
 *
 * @example
 * ```ts
 * import { formatSeconds } from "./progress.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatSeconds(1250), "1.3 s");
 * ```
 */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Runs a long step between two progress lines: `label detail …` before, and
 * `label detail: <what it returned> in <seconds>` after, so a slow download
 * or compression shows on the terminal while it runs.
 *
 * @example
 * ```ts
 * import { step } from "./progress.ts";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const value = await step((line) => lines.push(line), "bundle", "main.js", async () => ({
 *   value: 42,
 *   result: "1.0 KiB",
 * }));
 * assert.equal(value, 42);
 * assert.equal(lines.length, 2);
 * assert.match(lines[1], /^bundle +main\.js: 1\.0 KiB in \d+\.\d s$/);
 * ```
 */
export async function step<T>(
  progress: ProgressSink,
  label: string,
  detail: string,
  run: () => Promise<{ value: T; result: string }>,
): Promise<T> {
  const started = performance.now();
  const head = `${label.padEnd(8)} ${detail}`;
  progress(`${head} …`);
  const { value, result } = await run();
  progress(
    `${head}: ${result} in ${formatSeconds(performance.now() - started)}`,
  );
  return value;
}
