// Where an invocation's span hangs: Lambda's X-Ray header, or a W3C `traceparent` an HTTP event carries.
import type { SpanContext } from "./_deno.ts";

const _XRAY_ROOT = /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})\s*(?:;|$)/i;
const _XRAY_PARENT = /(?:^|;)\s*Parent=([0-9a-f]{16})\s*(?:;|$)/i;
const _XRAY_SAMPLED = /(?:^|;)\s*Sampled=1\s*(?:;|$)/;
const _TRACEPARENT =
  /^\s*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?\s*$/;
const _ZEROS = /^0+$/;

/**
 * The span context in Lambda's X-Ray trace header
 * (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`),
 * when it names a sampled parent: with X-Ray's active tracing off Lambda still
 * sends the header, `Sampled=0`, and following it would drop every span (as
 * the OpenTelemetry Lambda instrumentation, a new trace starts instead).
 */
export function xrayParent(
  header: string | undefined,
): SpanContext | undefined {
  if (header === undefined) return undefined;
  const root = _XRAY_ROOT.exec(header);
  const parent = _XRAY_PARENT.exec(header);
  if (root === null || parent === null || !_XRAY_SAMPLED.test(header)) {
    return undefined;
  }
  return {
    traceId: (root[1] + root[2]).toLowerCase(),
    spanId: parent[1].toLowerCase(),
    traceFlags: 1,
    isRemote: true,
  };
}

/** The span context of a W3C `traceparent` value, when it is well formed. */
export function traceparentParent(
  value: string | undefined,
): SpanContext | undefined {
  const match = value === undefined ? null : _TRACEPARENT.exec(value);
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags] = match;
  if (version === "ff" || _ZEROS.test(traceId) || _ZEROS.test(spanId)) {
    return undefined;
  }
  return {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16) & 1,
    isRemote: true,
  };
}

/** The names `OTEL_PROPAGATORS` may give Lambda's X-Ray header by. */
const _XRAY_NAMES = new Set(["xray", "xray-lambda", "awsxray"]);

/**
 * The parent by `OTEL_PROPAGATORS`: unset, Lambda's X-Ray header; set, each
 * listed propagator in order (`tracecontext`: the HTTP event's `traceparent`;
 * `xray`/`xray-lambda`: Lambda's header; `none`: no parent), the first that
 * finds one.
 */
export function chooseParent(
  propagators: readonly string[] | undefined,
  xrayHeader: string | undefined,
  traceparent: () => string | undefined,
): SpanContext | undefined {
  if (propagators === undefined) return xrayParent(xrayHeader);
  for (const name of propagators) {
    if (name === "none") return undefined;
    const found = name === "tracecontext"
      ? traceparentParent(traceparent())
      : _XRAY_NAMES.has(name)
      ? xrayParent(xrayHeader)
      : undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}
