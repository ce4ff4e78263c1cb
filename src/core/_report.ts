// One check of a custom ErrorFormatter's output, shared by the loop, run() and the streamer.
import {
  type ErrorFormatter,
  type ErrorReport,
  formatError,
} from "./errors.ts";

/** `format(thrown)` when it gives a well-formed report; the default formatter's otherwise. */
export function safeReport(
  format: ErrorFormatter | undefined,
  thrown: unknown,
): ErrorReport {
  if (format !== undefined) {
    try {
      const report = format(thrown);
      if (
        typeof report?.errorMessage === "string" &&
        typeof report.errorType === "string" &&
        Array.isArray(report.stackTrace)
      ) return report;
    } catch {
      // A custom formatter failed: fall back to the one that cannot.
    }
  }
  return formatError(thrown);
}
