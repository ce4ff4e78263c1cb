// A loopback OTLP/HTTP receiver for OTLP JSON: keeps every span and log record it is sent, and serves a backend path for functions to call.

export interface ReceivedSpan {
  readonly scope: string;
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface ReceivedLog {
  readonly body: string;
  readonly traceId: string;
  readonly spanId: string;
}

export interface OtlpReceiver extends AsyncDisposable {
  /** `http://127.0.0.1:port`, for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly endpoint: string;
  /** A URL on the same server that answers 200 (what the function calls). */
  readonly backend: string;
  readonly spans: ReceivedSpan[];
  readonly logs: ReceivedLog[];
  /** How many OTLP requests arrived. */
  readonly requests: () => number;
}

type _Any = Record<string, unknown>;

function _value(value: _Any): unknown {
  return value.stringValue ?? value.boolValue ??
    (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
    value.doubleValue;
}

function _attributes(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of (list ?? []) as { key: string; value: _Any }[]) {
    out[entry.key] = _value(entry.value);
  }
  return out;
}

/** `latencyMs`: how long each OTLP request takes to arrive, as over a slow link to the collector. */
export function otlpReceiver(
  options: { latencyMs?: number } = {},
): OtlpReceiver {
  const spans: ReceivedSpan[] = [];
  const logs: ReceivedLog[] = [];
  let requests = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/backend") return new Response("ok");
      const body = await request.json() as _Any;
      if (options.latencyMs) {
        await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      }
      requests++;
      if (path === "/v1/traces") {
        for (const resource of body.resourceSpans as _Any[]) {
          for (const scope of resource.scopeSpans as _Any[]) {
            for (const span of scope.spans as _Any[]) {
              spans.push({
                scope: (scope.scope as _Any).name as string,
                name: span.name as string,
                kind: span.kind as number,
                traceId: span.traceId as string,
                spanId: span.spanId as string,
                parentSpanId: span.parentSpanId as string,
                attributes: _attributes(span.attributes),
              });
            }
          }
        }
      }
      if (path === "/v1/logs") {
        for (const resource of body.resourceLogs as _Any[]) {
          for (const scope of resource.scopeLogs as _Any[]) {
            for (const log of scope.logRecords as _Any[]) {
              logs.push({
                body: String((log.body as _Any).stringValue),
                traceId: log.traceId as string,
                spanId: log.spanId as string,
              });
            }
          }
        }
      }
      return Response.json({});
    },
  );
  const endpoint = `http://127.0.0.1:${server.addr.port}`;
  return {
    endpoint,
    backend: `${endpoint}/backend`,
    spans,
    logs,
    requests: () => requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
