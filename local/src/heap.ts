/**
 * Sizing V8's heap to the function's memory size. V8 does not see Lambda's
 * limit and grows its heap lazily; these flags bound the young and the old
 * generation so that the whole process (heap, Deno's native memory and the
 * payload buffers outside the heap) stays under `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`.
 *
 * Deno reads V8 flags at start only: `deno run` from `--v8-flags` and the
 * `DENO_V8_FLAGS` variable, a `deno compile`d binary only from the flags
 * baked in when it was compiled. So the portable `bootstrap` applies
 * {@linkcode heapScript} (sized at run time), and compile mode bakes
 * {@linkcode heapFlags} for the memory size it is built for.
 *
 * @module
 */

/**
 * The variable that turns heap sizing off: `RTL_LAMBDA_HEAP=off` leaves the
 * heap to V8's defaults. Flags of your own in `DENO_V8_FLAGS` come after the
 * sized ones, so they win without turning the rest off.
 */
export const HEAP_SWITCH = "RTL_LAMBDA_HEAP";

/**
 * How a memory size splits: MB for each V8 space and what is left outside.
 */
export interface HeapPlan {
  /** `--max-semi-space-size`: the young generation takes three of these (two semi-spaces and as much for new large objects). */
  readonly semiSpaceMB: number;
  /** `--max-old-space-size`. */
  readonly oldSpaceMB: number;
  /** What is left for Deno's native memory (about 40 MB) and payload buffers outside the heap. */
  readonly reserveMB: number;
}

/** Below this the old space is not cut further: V8 needs room to start at all. */
const _MIN_OLD_MB = 16;
/** Deno's own memory before any payload: code, snapshot, runtime (measured at about 40 MB). */
const _NATIVE_MB = 40;
/** V8's default largest semi-space on 64-bit. */
const _MAX_SEMI_MB = 32;
/** A heap growing factor of 3: V8 would pick 1.3 for a small heap and collect the old space far too often. */
const _GROWING_PERCENT = 200;

/**
 * Splits `memoryMB` into V8 spaces: a semi-space of 1/16 of the memory (1 to
 * 32 MB), a reserve of 40 MB plus 1/16 of the memory for what lives outside
 * the heap, and the old space gets the rest (at least 16 MB). In whole MB,
 * so that {@linkcode heapScript}'s shell arithmetic gives the same figures.
 */
export function heapPlan(memoryMB: number): HeapPlan {
  if (!Number.isFinite(memoryMB) || memoryMB <= 0) {
    throw new RangeError(
      `A memory size is a positive number of MB, got ${memoryMB}`,
    );
  }
  const memory = Math.floor(memoryMB);
  const sixteenth = Math.floor(memory / 16);
  const semiSpaceMB = Math.min(_MAX_SEMI_MB, Math.max(1, sixteenth));
  const reserveMB = _NATIVE_MB + sixteenth;
  const oldSpaceMB = Math.max(
    _MIN_OLD_MB,
    memory - reserveMB - 3 * semiSpaceMB,
  );
  return { semiSpaceMB, oldSpaceMB, reserveMB };
}

/**
 * The V8 flags that fit a Deno process into `memoryMB`, the way Lambda's
 * managed Node.js runtime sizes Node's heap (which gives Node 90% and its
 * young generation 10%; Deno's native memory is larger, hence the reserve).
 * Give them to `deno run --v8-flags=…`, `DENO_V8_FLAGS` or
 * `deno compile --v8-flags=…`, joined with commas.
 */
export function heapFlags(memoryMB: number): string[] {
  const plan = heapPlan(memoryMB);
  return [
    `--max-semi-space-size=${plan.semiSpaceMB}`,
    `--max-old-space-size=${plan.oldSpaceMB}`,
    `--heap-growing-percent=${_GROWING_PERCENT}`,
  ];
}

/**
 * POSIX `sh` lines for a `bootstrap` script, to run before it `exec`s Deno:
 * they compute {@linkcode heapFlags} from `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`
 * (128 when unset or not a number) and put them in front of `DENO_V8_FLAGS`,
 * unless `RTL_LAMBDA_HEAP=off`. They work under `set -eu`.
 */
export function heapScript(): string {
  return [
    `# Sizes V8's heap to the memory size (@rtl/lambda heapFlags); ${HEAP_SWITCH}=off leaves it to V8.`,
    `if [ "\${${HEAP_SWITCH}:-}" != off ]; then`,
    "  rtl_m=${AWS_LAMBDA_FUNCTION_MEMORY_SIZE:-128}",
    '  case "$rtl_m" in "" | *[!0-9]* | 0) rtl_m=128 ;; esac',
    "  rtl_s=$((rtl_m / 16))",
    '  if [ "$rtl_s" -lt 1 ]; then rtl_s=1; fi',
    `  if [ "$rtl_s" -gt ${_MAX_SEMI_MB} ]; then rtl_s=${_MAX_SEMI_MB}; fi`,
    `  rtl_o=$((rtl_m - ${_NATIVE_MB} - rtl_m / 16 - 3 * rtl_s))`,
    `  if [ "$rtl_o" -lt ${_MIN_OLD_MB} ]; then rtl_o=${_MIN_OLD_MB}; fi`,
    `  DENO_V8_FLAGS="--max-semi-space-size=$rtl_s,--max-old-space-size=$rtl_o,--heap-growing-percent=${_GROWING_PERCENT}\${DENO_V8_FLAGS:+,$DENO_V8_FLAGS}"`,
    "  export DENO_V8_FLAGS",
    "fi",
    "",
  ].join("\n");
}
