/**
 * The function URL front door: a plain HTTP request turned into Lambda's
 * function-URL event (payload format 2.0), and the function's result turned
 * back into the HTTP response, as a function URL does.
 *
 * @module
 */

import type { Outcome } from "./_outcome.ts";

/** The path prefix that names a function: `/lambda-url/NAME/…`. */
const _PREFIX = /^\/lambda-url\/([^/]+)(\/.*)?$/;
/** Paths of the Lambda API (`/2015-03-31/…`, `/2021-11-15/…`): never a function URL. */
const _API = /^\/\d{4}-\d{2}-\d{2}\//;
const _INTEGRATION = "application/vnd.awslambda.http-integration-response";
const _encoder = new TextEncoder();

/**
 * The header the control plane forwards an AWS_IAM URL's verified caller in
 * (`requestContext.authorizer`, as JSON); it never reaches the event's headers,
 * and the control plane drops a caller's own copy.
 */
export const AUTHORIZER_HEADER = "x-rtl-lambda-authorizer";

/**
 * The header the control plane forwards a function URL caller's own headers
 * in (a JSON list of name and value pairs), so that the event carries them as
 * sent: not the ones its own request to the function's emulator adds, nor that
 * request's `Host`.
 */
export const CALLER_HEADERS_HEADER = "x-rtl-lambda-caller-headers";

/** Where a request goes: a function URL of `name` at `path`, or `undefined` for an API route. */
export function functionUrlTarget(
  pathname: string,
): { name: string | undefined; path: string } | undefined {
  const prefixed = _PREFIX.exec(pathname);
  if (prefixed !== null) {
    return { name: decodeURIComponent(prefixed[1]), path: prefixed[2] ?? "/" };
  }
  if (_API.test(pathname)) return undefined;
  return { name: undefined, path: pathname };
}

/** What the event needs beyond the request. */
export interface FunctionUrlEventOptions {
  /** The path the function sees (without `/lambda-url/NAME`). */
  path: string;
  /** The caller's address. */
  sourceIp: string;
  /** The request's body, read already. */
  body: Uint8Array;
  /** The URL's domain; a `lambda-url` one, so adapters see a function URL. */
  domainName: string;
  /** The request id the event carries. */
  requestId: string;
  /** Milliseconds since the epoch; `Date.now()` when absent. */
  now?: number;
}

/** The function-URL event (payload 2.0) of a plain HTTP request. */
export function functionUrlEvent(
  request: Request,
  options: FunctionUrlEventOptions,
): Record<string, unknown> {
  const url = new URL(request.url);
  const sent = callerHeaders(request.headers);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  sent.forEach((value, name) => {
    if (name === "cookie") {
      cookies = value.split(/;\s*/).filter((cookie) => cookie !== "");
    } else headers[name] = value;
  });
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  const now = options.now ?? Date.now();
  const domainName = options.domainName;
  const event: Record<string, unknown> = {
    version: "2.0",
    routeKey: "$default",
    rawPath: options.path,
    rawQueryString: url.search.slice(1),
  };
  if (cookies !== undefined) event.cookies = cookies;
  event.headers = headers;
  if (url.search.length > 1) event.queryStringParameters = query;
  const authorizer = _authorizer(request.headers.get(AUTHORIZER_HEADER));
  event.requestContext = {
    // Lambda names the function owner's account for a signed request, "anonymous" otherwise.
    accountId: authorizer?.iam?.accountId ?? "anonymous",
    apiId: "local",
    ...(authorizer === undefined ? {} : { authorizer }),
    domainName,
    domainPrefix: domainName.split(".")[0],
    http: {
      method: request.method,
      path: options.path,
      protocol: "HTTP/1.1",
      sourceIp: options.sourceIp,
      userAgent: sent.get("user-agent") ?? "",
    },
    requestId: options.requestId,
    routeKey: "$default",
    stage: "$default",
    time: _clfTime(new Date(now)),
    timeEpoch: now,
  };
  if (options.body.byteLength > 0) {
    const text = _isText(sent.get("content-type"));
    event.body = text
      ? new TextDecoder().decode(options.body)
      : _toBase64(options.body);
    event.isBase64Encoded = !text;
  } else event.isBase64Encoded = false;
  return event;
}

/** The headers the caller sent: forwarded by the control plane, else the request's own, without the plane's. */
export function callerHeaders(headers: Headers): Headers {
  const forwarded = headers.get(CALLER_HEADERS_HEADER);
  let sent = headers;
  if (forwarded !== null) {
    try {
      sent = new Headers(JSON.parse(forwarded));
    } catch {
      // Not the plane's: the request's own headers stand.
    }
  }
  const own = new Headers(sent);
  own.delete(AUTHORIZER_HEADER);
  own.delete(CALLER_HEADERS_HEADER);
  return own;
}

/** The HTTP response a function URL gives for an invocation's outcome. */
export async function functionUrlResponse(
  id: string,
  outcome: Outcome,
): Promise<Response> {
  const base = { "x-amzn-requestid": id };
  if (outcome.kind === "error") return _internalError(base);
  if (outcome.kind === "stream") {
    if (!outcome.contentType.startsWith(_INTEGRATION)) {
      return new Response(outcome.body, {
        headers: { ...base, "content-type": outcome.contentType },
      });
    }
    return await _fromPrelude(outcome.body, base);
  }
  let result: unknown;
  try {
    result = JSON.parse(new TextDecoder().decode(outcome.body));
  } catch {
    return _internalError(base);
  }
  // Lambda's rule: a result without statusCode is the body of a 200 JSON response.
  if (
    result === null || typeof result !== "object" || Array.isArray(result) ||
    !("statusCode" in result)
  ) {
    return new Response(
      typeof result === "string" ? result : JSON.stringify(result),
      { headers: { ...base, "content-type": "application/json" } },
    );
  }
  const structured = result as {
    statusCode: unknown;
    headers?: Record<string, unknown>;
    cookies?: unknown[];
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  const status = Number(structured.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    return _internalError(base);
  }
  const headers = new Headers(base);
  for (const [name, value] of Object.entries(structured.headers ?? {})) {
    headers.set(name, String(value));
  }
  for (const cookie of structured.cookies ?? []) {
    headers.append("set-cookie", String(cookie));
  }
  const text = typeof structured.body === "string" ? structured.body : "";
  const body = structured.isBase64Encoded === true
    ? Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
    : _encoder.encode(text);
  const empty = status === 204 || status === 304 || status < 200;
  return new Response(empty ? null : body as BodyInit, { status, headers });
}

/** A function URL's answer to a refusal of the invoke API (429, 413, …). */
export async function functionUrlRefusal(refusal: Response): Promise<Response> {
  await refusal.body?.cancel();
  const message = refusal.status === 429
    ? "Rate Exceeded."
    : refusal.status === 413
    ? "Request Entity Too Large"
    : "Internal Server Error";
  return Response.json({ Message: message }, {
    status: refusal.status === 429 || refusal.status === 413
      ? refusal.status
      : 502,
  });
}

/** The verified caller the control plane forwarded; `undefined` for an open URL. */
function _authorizer(
  header: string | null,
): { iam?: { accountId?: string } } | undefined {
  if (header === null) return undefined;
  try {
    const parsed = JSON.parse(header);
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function _internalError(base: Record<string, string>): Response {
  return Response.json({ Message: "Internal Server Error" }, {
    status: 502,
    headers: { ...base, "x-amzn-errortype": "InternalServerError" },
  });
}

/** A streamed HTTP integration response: the JSON prelude, eight NUL bytes, then the body as it comes. */
async function _fromPrelude(
  stream: ReadableStream<Uint8Array>,
  base: Record<string, string>,
): Promise<Response> {
  const reader = stream.getReader();
  let pending = new Uint8Array(0);
  let split = -1;
  while (split < 0) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch {
      return _internalError(base);
    }
    if (next.done) return _internalError(base);
    const joined = new Uint8Array(pending.byteLength + next.value.byteLength);
    joined.set(pending);
    joined.set(next.value, pending.byteLength);
    pending = joined;
    split = _delimiter(pending);
  }
  let prelude: {
    statusCode?: number;
    headers?: Record<string, string>;
    cookies?: string[];
  };
  try {
    prelude = JSON.parse(new TextDecoder().decode(pending.subarray(0, split)));
  } catch {
    await reader.cancel().catch(() => {});
    return _internalError(base);
  }
  const headers = new Headers(base);
  for (const [name, value] of Object.entries(prelude.headers ?? {})) {
    headers.set(name, String(value));
  }
  for (const cookie of prelude.cookies ?? []) {
    headers.append("set-cookie", cookie);
  }
  const first = pending.subarray(split + 8);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.byteLength > 0) controller.enqueue(first);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return new Response(body, { status: prelude.statusCode ?? 200, headers });
}

function _delimiter(bytes: Uint8Array): number {
  let run = 0;
  for (let i = 0; i < bytes.byteLength; i++) {
    run = bytes[i] === 0 ? run + 1 : 0;
    if (run === 8) return i - 7;
  }
  return -1;
}

function _isText(contentType: string | null): boolean {
  if (contentType === null) return false;
  const type = contentType.toLowerCase();
  return type.startsWith("text/") || type.includes("json") ||
    type.includes("xml") || type.includes("javascript") ||
    type.includes("x-www-form-urlencoded") || type.includes("yaml");
}

function _toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.byteLength; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

const _MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

/** The `time` format function URLs use: `12/Mar/2020:19:03:58 +0000`. */
function _clfTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${
    _MONTHS[date.getUTCMonth()]
  }/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${
    pad(date.getUTCMinutes())
  }:${pad(date.getUTCSeconds())} +0000`;
}
