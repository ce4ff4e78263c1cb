// The bench's tables: one layout for every suite.

/** `value` with `digits` decimals, or `–` when it is not a number. */
export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "–";
}

/** As {@linkcode fixed}, with `+` before a value that is not negative. */
export function signed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return "–";
  return (value >= 0 ? "+" : "") + value.toFixed(digits);
}

/** Rows as aligned columns: the first two to the left, the rest to the right. */
export function columns(rows: readonly string[][]): string {
  const widths = rows[0].map((_, column) =>
    Math.max(...rows.map((row) => row[column].length))
  );
  return rows.map((row) =>
    row.map((cell, column) =>
      column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])
    ).join("  ")
  ).join("\n");
}
