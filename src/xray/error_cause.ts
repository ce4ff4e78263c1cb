/**
 * The X-Ray error cause a runtime sends with a failed invocation, in the
 * `Lambda-Runtime-Function-XRay-Error-Cause` header: `{working_directory,
 * exceptions: [{type, message, stack: [{path, line, label}]}], paths}`.
 *
 * @module
 */

import type { ErrorReport } from "../core/errors.ts";
import { NOT_HEADER_SAFE } from "../core/_header.ts";

/**
 * The header that carries the cause on `/invocation/{id}/error`.
 */
export const XRAY_ERROR_CAUSE_HEADER: string =
  "Lambda-Runtime-Function-XRay-Error-Cause";

/**
 * The most bytes a cause this runtime sends may have. Lambda accepts up to
 * 64 KiB (an X-Ray document's size) and crops beyond; the runtime keeps to
 * 8 KiB so that the header also fits Runtime API servers with smaller header
 * limits (Node's `http` allows 16 KiB for all headers), and chooses what to
 * keep itself: at most 2 KiB of message, then as many top frames as fit.
 */
export const XRAY_ERROR_CAUSE_LIMIT: number = 8 * 1024;

/** One frame of an X-Ray exception's stack. */
interface _Frame {
  path: string;
  line?: number;
  label: string;
}

/**
 * Builds the X-Ray error cause for an error report, as JSON that is safe
 * as an HTTP header value (non-ASCII escaped) and at most
 * {@linkcode XRAY_ERROR_CAUSE_LIMIT} bytes: the message keeps at most a
 * quarter of it, and the stack as many of its top frames as the rest holds.
 */
export function xrayErrorCause(
  report: ErrorReport,
  workingDirectory: string,
): string {
  const directory = _json(workingDirectory.slice(0, 512));
  const type = _json(report.errorType.slice(0, 256));
  const message = _fit(report.errorMessage, XRAY_ERROR_CAUSE_LIMIT / 4);
  const head =
    `{"working_directory":${directory},"exceptions":[{"type":${type},"message":${message},"stack":[`;
  const middle = `]}],"paths":[`;
  const tail = `]}`;
  let budget = XRAY_ERROR_CAUSE_LIMIT - head.length - middle.length -
    tail.length;
  const stack: string[] = [];
  const paths: string[] = [];
  const seen = new Set<string>();
  // Frames are added top first, each with its path the first time it appears, while they fit.
  for (const line of report.stackTrace) {
    const frame = _frame(line);
    const frameJson = _json(frame);
    const newPath = !seen.has(frame.path);
    const pathJson = newPath ? _json(frame.path) : "";
    const cost = frameJson.length + (stack.length > 0 ? 1 : 0) +
      (newPath ? pathJson.length + (paths.length > 0 ? 1 : 0) : 0);
    if (cost > budget) break;
    budget -= cost;
    stack.push(frameJson);
    if (newPath) {
      seen.add(frame.path);
      paths.push(pathJson);
    }
  }
  return head + stack.join(",") + middle + paths.join(",") + tail;
}

/** The text as header-safe JSON of at most `limit` characters, shortened as needed. */
function _fit(text: string, limit: number): string {
  let kept = text.length > limit ? text.slice(0, limit) : text;
  for (;;) {
    const json = _json(kept);
    if (json.length <= limit) return json;
    kept = kept.slice(0, Math.floor(kept.length / 2));
  }
}

function _json(value: unknown): string {
  return _escapeNonAscii(JSON.stringify(value));
}

/**
 * Parses one V8 stack line (`at label (file:///var/task/main.ts:3:9)` or
 * `at file:///var/task/main.ts:3:9`) into an X-Ray frame.
 */
function _frame(line: string): _Frame {
  let text = line.trim();
  if (text.startsWith("at ")) text = text.slice(3);
  let label = "anonymous";
  let location = text;
  const open = text.lastIndexOf(" (");
  if (open !== -1 && text.endsWith(")")) {
    label = text.slice(0, open) || "anonymous";
    location = text.slice(open + 2, -1);
  }
  const match = /^(.*?)(?::(\d+))?(?::(\d+))?$/.exec(location);
  let path = match?.[1] ?? location;
  if (path.startsWith("file://")) path = _filePath(path);
  const frame: _Frame = { path, label };
  if (match?.[2] !== undefined) frame.line = Number(match[2]);
  return frame;
}

function _filePath(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return url.slice("file://".length);
  }
}

/** Header values must be visible ASCII: escape everything else inside the JSON strings. */
function _escapeNonAscii(json: string): string {
  return json.replace(
    NOT_HEADER_SAFE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * The `RunOptions.errorHeaders` that adds {@linkcode XRAY_ERROR_CAUSE_HEADER}
 * to each error post, so X-Ray shows the exception; `run()` installs it.
 */
export function xrayErrorHeaders(
  taskRoot: string,
): (report: ErrorReport) => Record<string, string> {
  return (report) => ({
    [XRAY_ERROR_CAUSE_HEADER]: xrayErrorCause(report, taskRoot),
  });
}
