/**
 * An invocation's spans as the compact tree the emulator prints after its
 * REPORT line: `  └ invoke echo 12.3 ms  (faas.trigger=http)`, each child
 * indented under its parent.
 *
 * @module
 */

import type { OtlpSpan } from "./model.ts";
import type { SpanNode } from "./store.ts";

/** The tree's lines, the root first. */
export function treeLines(root: SpanNode): string[] {
  const lines: string[] = [];
  const walk = (node: SpanNode, prefix: string, last: boolean) => {
    lines.push(`${prefix}${last ? "└ " : "├ "}${spanLabel(node.span)}`);
    const inner = prefix + (last ? "   " : "│  ");
    node.children.forEach((child, at) =>
      walk(child, inner, at === node.children.length - 1)
    );
  };
  walk(root, "  ", true);
  return lines;
}

/** A span in a few words: name, URL, duration, HTTP status, error, trigger. */
export function spanLabel(span: OtlpSpan): string {
  const url = span.attributes["url.full"];
  const status = span.attributes["http.response.status_code"];
  const trigger = span.attributes["faas.trigger"];
  const parts = [span.name];
  if (typeof url === "string" && !span.name.includes(url)) parts.push(url);
  parts.push(`${durationMs(span).toFixed(1)} ms`);
  if (status !== undefined && status !== null) parts.push(String(status));
  if (span.status.code === 2) {
    parts.push(`error${span.status.message ? `: ${span.status.message}` : ""}`);
  }
  const extra = typeof trigger === "string"
    ? `  (faas.trigger=${trigger})`
    : "";
  return parts.join(" ") + extra;
}

/** A span's duration in milliseconds (0 when its end precedes its start). */
export function durationMs(span: OtlpSpan): number {
  return span.endNs > span.startNs
    ? Number(span.endNs - span.startNs) / 1e6
    : 0;
}
