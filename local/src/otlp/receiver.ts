/**
 * The local OTLP/HTTP receiver: `POST /v1/traces`, `/v1/logs` and
 * `/v1/metrics` in `application/x-protobuf` or `application/json` (as
 * OpenTelemetry's OTLP specification defines them), and the trace view at
 * `/` (its data, every attribute included, at `/invocations.json`). It listens behind the gate (gate.ts): its own `Host` only, no
 * cross-site browser request; bodies are limited on the bytes read.
 *
 * @module
 */

import { gatedServe, type GateLog } from "../gate.ts";
import { decodeLogsJson, decodeTracesJson } from "./decode_json.ts";
import { decodeLogsProtobuf, decodeTracesProtobuf } from "./decode_protobuf.ts";
import type { TraceStore } from "./store.ts";
import { waterfallPage } from "./waterfall.ts";
import { OtlpDecodeError } from "./_wire.ts";
import { BodyEncodingError, BodyTooLargeError, readBody } from "./_body.ts";

/** How to start the receiver. */
export interface OtlpReceiverOptions {
  /** Where it keeps what it receives. */
  store: TraceStore;
  /** `127.0.0.1` when absent. */
  hostname?: string;
  /** 0 (any free port) when absent. */
  port?: number;
  /** The largest body accepted, in bytes; 4 MiB when absent. */
  maxBodyBytes?: number;
  /** Where the gate's refusals are logged. */
  log?: GateLog;
}

/** A running receiver. */
export interface OtlpReceiver extends AsyncDisposable {
  /** `http://host:port`: the function's `OTEL_EXPORTER_OTLP_ENDPOINT`, and the trace view. */
  readonly url: string;
  /** Stops listening. */
  close(): Promise<void>;
}

type _Format = "protobuf" | "json";

interface _Route {
  method: string;
  path: string;
  handle(
    request: Request,
    store: TraceStore,
    limit: number,
  ): Promise<Response> | Response;
}

/** An export's spans, in either format. */
function _spans(format: _Format, bytes: Uint8Array) {
  return format === "json"
    ? decodeTracesJson(_json(bytes))
    : decodeTracesProtobuf(bytes);
}

/** An export's log records, in either format. */
function _logs(format: _Format, bytes: Uint8Array) {
  return format === "json"
    ? decodeLogsJson(_json(bytes))
    : decodeLogsProtobuf(bytes);
}

const _ROUTES: _Route[] = [
  {
    method: "POST",
    path: "/v1/traces",
    handle: (request, store, limit) =>
      _export(request, limit, (f, b) => store.addSpans(_spans(f, b))),
  },
  {
    method: "POST",
    path: "/v1/logs",
    handle: (request, store, limit) =>
      _export(request, limit, (f, b) => store.addLogs(_logs(f, b))),
  },
  // Metrics are taken and dropped: an exporter answered 404 would log an error at every flush.
  {
    method: "POST",
    path: "/v1/metrics",
    handle: (r, _store, limit) => _export(r, limit, () => {}),
  },
  {
    method: "GET",
    path: "/",
    handle: (_r, store) =>
      new Response(waterfallPage(store.recent()), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
        },
      }),
  },
  {
    method: "GET",
    path: "/invocations.json",
    // Nanosecond times are bigints: written as decimal strings, as OTLP/JSON writes them.
    handle: (_r, store) =>
      new Response(
        JSON.stringify(
          store.recent(),
          (_key, value) => typeof value === "bigint" ? value.toString() : value,
        ),
        {
          headers: {
            "content-type": "application/json",
            "cache-control": "no-store",
          },
        },
      ),
  },
];

/** Starts the receiver. */
export function startOtlpReceiver(options: OtlpReceiverOptions): OtlpReceiver {
  const hostname = options.hostname ?? "127.0.0.1";
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const server = gatedServe(
    "otlp",
    { hostname, port: options.port ?? 0, onListen() {} },
    (request) => _route(request, options.store, limit),
    options.log,
  );
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  let closed: Promise<void> | undefined;
  const close = () => closed ??= server.shutdown();
  return {
    url: `http://${host}:${server.addr.port}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function _route(
  request: Request,
  store: TraceStore,
  limit: number,
): Promise<Response> {
  const path = new URL(request.url).pathname;
  const routes = _ROUTES.filter((route) => route.path === path);
  const route = routes.find((one) => one.method === request.method);
  if (route !== undefined) return await route.handle(request, store, limit);
  await request.body?.cancel();
  return routes.length === 0
    ? _status(
      404,
      `No such OTLP path: ${path} (the receiver takes /v1/traces, /v1/logs and /v1/metrics)`,
      "json",
    )
    : _status(405, `${request.method} is not allowed on ${path}`, "json", {
      allow: routes.map((one) => one.method).join(", "),
    });
}

/** Reads, decodes and keeps one export; answers OTLP's success or its error Status. */
async function _export(
  request: Request,
  limit: number,
  keep: (format: _Format, bytes: Uint8Array) => void,
): Promise<Response> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim()
    .toLowerCase();
  const format: _Format | undefined = type === "application/x-protobuf"
    ? "protobuf"
    : type === "application/json"
    ? "json"
    : undefined;
  if (format === undefined) {
    await request.body?.cancel();
    return _status(
      415,
      `Content-Type "${type}" is not OTLP's: send application/x-protobuf or application/json`,
      "json",
    );
  }
  try {
    keep(format, await readBody(request, limit));
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return _status(413, `The export is too large: ${error.message}`, format);
    }
    if (error instanceof BodyEncodingError) {
      return _status(error.status, error.message, format);
    }
    if (error instanceof OtlpDecodeError) {
      return _status(400, `The export is malformed: ${error.message}`, format);
    }
    throw error;
  }
  return format === "json"
    ? new Response("{}", { headers: { "content-type": "application/json" } })
    : new Response(new Uint8Array(), {
      headers: { "content-type": "application/x-protobuf" },
    });
}

function _json(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new OtlpDecodeError(
      `the body is not JSON (${
        error instanceof Error ? error.message : error
      })`,
    );
  }
}

const _CODES: Record<number, number> = {
  400: 3,
  404: 5,
  405: 12,
  413: 8,
  415: 3,
};

/** An error answered as OTLP's google.rpc.Status, in the request's own format. */
function _status(
  status: number,
  message: string,
  format: _Format,
  headers: Record<string, string> = {},
): Response {
  const code = _CODES[status] ?? 2;
  if (format === "json") {
    return Response.json({ code, message }, { status, headers });
  }
  const text = new TextEncoder().encode(message);
  const body = new Uint8Array([
    0x08,
    code,
    0x12,
    ..._varint(text.length),
    ...text,
  ]);
  return new Response(body, {
    status,
    headers: { ...headers, "content-type": "application/x-protobuf" },
  });
}

function _varint(value: number): number[] {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return bytes;
}
