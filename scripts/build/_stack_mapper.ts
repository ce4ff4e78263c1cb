/**
 * The on-demand source map of the portable `main.js`: a linked
 * `//# sourceMappingURL=` makes Deno read and parse the whole map as the
 * module loads (about 20 ms for the AWS SDK's 2.7 MB map), so the build
 * leaves the comment out and the banner installs this mapper as
 * `Error.prepareStackTrace` instead. It reads the map the first time a
 * stack with a frame in the bundle is formatted, and then names the
 * original files and lines, as Deno would.
 *
 * The banner embeds {@linkcode stackMapper} by its source text, so it uses
 * nothing but its parameters and globals.
 *
 * @module
 */

/** What V8 hands `Error.prepareStackTrace` for each frame (the part used here). */
export interface CallSiteLike {
  /** The script's URL (Deno: `file:///…`). */
  getScriptNameOrSourceURL?(): string | null | undefined;
  /** The script's path or URL. */
  getFileName(): string | null | undefined;
  /** 1-based line. */
  getLineNumber(): number | null;
  /** 1-based column. */
  getColumnNumber(): number | null;
  /** V8's text for the frame, without the leading `at `. */
  toString(): string;
}

/** An `Error.prepareStackTrace` function. */
export type PrepareStackTrace = (
  error: unknown,
  frames: readonly CallSiteLike[],
) => string;

/** Reads a file as text, synchronously; `undefined` when it cannot. */
export type ReadText = (url: string) => string | undefined;

/**
 * Makes the `Error.prepareStackTrace` for the bundle at `bundleUrl`, whose
 * map is read with `read(mapUrl)` on first need. Frames in other scripts
 * and frames the map does not cover keep V8's text; a map that cannot be
 * read or parsed leaves every frame as it is.
 *
 * @example
 * ```ts ignore
 * Error.prepareStackTrace = stackMapper(import.meta.url, import.meta.url + ".map", (url) => Deno.readTextFileSync(new URL(url)));
 * ```
 */
export function stackMapper(
  bundleUrl: string,
  mapUrl: string,
  read: ReadText,
): PrepareStackTrace {
  // Per generated line: flat [column, source, line, column] quadruples.
  let lines: Int32Array[] | undefined;
  let sources: string[] = [];
  const load = (): Int32Array[] => {
    if (lines !== undefined) return lines;
    lines = [];
    // Base64 VLQ digits, built only when a stack is first mapped.
    const digits: Record<string, number> = {};
    const alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (let i = 0; i < alphabet.length; i++) digits[alphabet[i]] = i;
    let map: { mappings?: unknown; sources?: unknown; sourceRoot?: unknown };
    try {
      map = JSON.parse(read(mapUrl) ?? "null") ?? {};
    } catch {
      return lines;
    }
    if (typeof map.mappings !== "string" || !Array.isArray(map.sources)) {
      return lines;
    }
    const root = typeof map.sourceRoot === "string" && map.sourceRoot !== ""
      ? new URL(map.sourceRoot.replace(/\/?$/, "/"), mapUrl).href
      : mapUrl;
    sources = map.sources.map((source: unknown) => {
      try {
        return new URL(String(source), root).href;
      } catch {
        return String(source);
      }
    });
    const text = map.mappings;
    let source = 0, line = 0, column = 0, generated = 0;
    let row: number[] = [];
    const values: number[] = [];
    for (let at = 0; at <= text.length;) {
      const char = text[at];
      if (at === text.length || char === ";") {
        lines.push(Int32Array.from(row));
        row = [];
        generated = 0;
        at++;
        continue;
      }
      if (char === ",") {
        at++;
        continue;
      }
      values.length = 0;
      while (at < text.length && text[at] !== "," && text[at] !== ";") {
        let value = 0, shift = 0, digit = 32;
        while (digit & 32 && at < text.length) {
          digit = digits[text[at++]] ?? 0;
          value += (digit & 31) * 2 ** shift;
          shift += 5;
        }
        values.push(value % 2 === 1 ? -Math.floor(value / 2) : value / 2);
      }
      generated += values[0] ?? 0;
      if (values.length >= 4) {
        source += values[1];
        line += values[2];
        column += values[3];
        row.push(generated, source, line, column);
      }
    }
    return lines;
  };
  const locate = (row: number, col: number): string | undefined => {
    const quads = load()[row - 1];
    if (quads === undefined || quads.length === 0) return undefined;
    // The last mapping at or before the column.
    let low = 0, high = quads.length / 4 - 1, found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (quads[middle * 4] <= col - 1) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    if (found < 0) return undefined;
    const file = sources[quads[found * 4 + 1]];
    if (file === undefined) return undefined;
    return `${file}:${quads[found * 4 + 2] + 1}:${quads[found * 4 + 3] + 1}`;
  };
  return (error, frames) => {
    let head: string;
    try {
      head = String(error);
    } catch {
      head = "Error";
    }
    const out = [head];
    for (const frame of frames) {
      let text = String(frame);
      try {
        const url = frame.getScriptNameOrSourceURL?.() ?? frame.getFileName();
        const row = frame.getLineNumber();
        const col = frame.getColumnNumber();
        if (url === bundleUrl && row !== null && col !== null) {
          const mapped = locate(row, col);
          const name = frame.getFileName() ?? url;
          if (mapped !== undefined) {
            text = text.replace(`${name}:${row}:${col}`, mapped);
          }
        }
      } catch {
        // A frame that cannot be mapped keeps V8's text.
      }
      out.push(`    at ${text}`);
    }
    return out.join("\n");
  };
}
