/**
 * The local trace view: one HTML page listing recent invocations, each a
 * waterfall of its spans (bars placed by start and duration, nested by
 * parent) and the log lines written in it. Plain HTML and CSS, no script,
 * nothing fetched from elsewhere.
 *
 * @module
 */

import type { OtlpSpan, OtlpValue } from "./model.ts";
import type { InvocationTrace, SpanNode } from "./store.ts";
import { durationMs, spanLabel } from "./tree.ts";

const _CSS = `
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1d2330;background:#fafbfc}
h1{font-size:1.3rem}h2{font-size:1rem;margin:0 0 .5rem}
section.invocation{background:#fff;border:1px solid #d8dde6;border-radius:6px;padding:1rem;margin:0 0 1.2rem}
.meta{color:#5b6475;font-size:12px;margin-bottom:.6rem}
.row{display:grid;grid-template-columns:minmax(14rem,38%) 1fr;align-items:center;min-height:1.6rem}
.row:nth-child(odd){background:#f4f6f9}
.name{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;font-family:ui-monospace,monospace;font-size:12px}
.track{position:relative;height:1.1rem;margin-right:4.5rem}
.bar{position:absolute;top:0;bottom:0;min-width:2px;border-radius:3px;background:#3d7bd9}
.bar.client{background:#2f9e6e}.bar.server{background:#8a5cd1}.bar.error{background:#d9453d}
.bar span{position:absolute;left:100%;padding-left:4px;font-size:11px;white-space:nowrap;color:#333}
ol.logs{font-family:ui-monospace,monospace;font-size:12px;margin:.6rem 0 0;padding-left:1.2rem;color:#333}
.empty{color:#5b6475}
`;

/** The page for `invocations`, newest first. */
export function waterfallPage(invocations: readonly InvocationTrace[]): string {
  const body = invocations.length === 0
    ? `<p class="empty">No invocation has sent spans yet. Run the function with <code>OTEL_DENO=true</code> and invoke it; this page shows each invocation's spans.</p>`
    : invocations.map(invocationSection).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local Lambda traces</title>
<style>${_CSS}</style></head>
<body><h1>Recent invocations</h1>
${body}
</body></html>`;
}

/** One invocation's waterfall. */
export function invocationSection(invocation: InvocationTrace): string {
  const root = invocation.root.span;
  const start = root.startNs;
  const total = Math.max(Number(root.endNs - root.startNs), 1);
  const rows: string[] = [];
  const walk = (node: SpanNode, depth: number) => {
    rows.push(_row(node.span, depth, start, total));
    for (const child of node.children) walk(child, depth + 1);
  };
  walk(invocation.root, 0);
  const logs = invocation.logs.length === 0
    ? ""
    : `<ol class="logs">${
      invocation.logs.map((log) =>
        `<li>${_escape(log.severityText)} ${
          _escape(_text(log.body).trimEnd())
        }</li>`
      ).join("")
    }</ol>`;
  return `<section class="invocation" id="${
    _escape(invocation.requestId)
  }" data-request-id="${_escape(invocation.requestId)}">
<h2>${_escape(root.name)} <small>${durationMs(root).toFixed(1)} ms</small></h2>
<div class="meta">RequestId ${
    _escape(invocation.requestId)
  } · trace ${root.traceId} · ${
    new Date(Number(start / 1_000_000n)).toISOString()
  }</div>
<div class="waterfall">${rows.join("\n")}</div>${logs}
</section>`;
}

function _row(
  span: OtlpSpan,
  depth: number,
  start: bigint,
  total: number,
): string {
  const left = Math.max(0, Number(span.startNs - start) / total * 100);
  const width = Math.min(100 - left, durationMs(span) * 1e6 / total * 100);
  const kind = span.status.code === 2
    ? "error"
    : span.kind === 3
    ? "client"
    : span.kind === 2
    ? "server"
    : "internal";
  return `<div class="row" data-span-id="${span.spanId}" data-depth="${depth}"><div class="name" style="padding-left:${
    depth * 1.1
  }rem" title="${_escape(spanLabel(span))}">${
    _escape(_name(span))
  }</div><div class="track"><div class="bar ${kind}" style="left:${
    left.toFixed(3)
  }%;width:${width.toFixed(3)}%"><span>${
    durationMs(span).toFixed(1)
  } ms</span></div></div></div>`;
}

/** The span's name, and the URL a client span fetched. */
function _name(span: OtlpSpan): string {
  const url = span.attributes["url.full"];
  return typeof url === "string" && !span.name.includes(url)
    ? `${span.name} ${url}`
    : span.name;
}

function _text(value: OtlpValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function _escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
