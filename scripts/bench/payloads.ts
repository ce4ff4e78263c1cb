/**
 * The events the feeder hands out: a small JSON object, and for larger sizes
 * an API Gateway (HTTP API) request whose base64 body fills the event to its
 * size, the usual way a Lambda event gets large.
 *
 * @module
 */

/** A payload size the bench knows by name. */
export interface PayloadSize {
  /** The name used in flags, tables and JSON (`100B`, `256KB`, `1MB`, `5.5MB`). */
  label: string;
  /** The event's length in bytes. */
  bytes: number;
}

const _UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 * 1024,
};

/**
 * Parses a size such as `100B`, `256KB`, `1MB` or `5.5MB` (binary units).
 *
 * @example
 * ```ts
 * import { parsePayloadSize } from "./payloads.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parsePayloadSize("256KB"), { label: "256KB", bytes: 262144 });
 * ```
 */
export function parsePayloadSize(label: string): PayloadSize {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB)$/i.exec(label.trim());
  if (match === null) {
    throw new TypeError(
      `A payload size is a number and B, KB or MB (such as 256KB), got "${label}"`,
    );
  }
  const bytes = Math.round(Number(match[1]) * _UNITS[match[2].toUpperCase()]);
  if (bytes < 64) {
    throw new TypeError(`A payload is at least 64 bytes, got "${label}"`);
  }
  return { label: `${match[1]}${match[2].toUpperCase()}`, bytes };
}

/**
 * Builds a JSON event of exactly `bytes` bytes (at least 64). Up to 512 bytes
 * it is a flat object; above, an API Gateway HTTP API event with a base64 body.
 *
 * @example
 * ```ts
 * import { buildEvent } from "./payloads.ts";
 * import assert from "node:assert/strict";
 *
 * const event = buildEvent(100);
 * assert.equal(event.length, 100);
 * assert.equal(JSON.parse(new TextDecoder().decode(event)).name, "Ada Lovelace");
 * ```
 */
export function buildEvent(bytes: number): Uint8Array<ArrayBuffer> {
  const shell = bytes <= 512 ? _small("") : _apiGateway("");
  const fill = bytes - shell.length;
  if (fill < 0) {
    throw new RangeError(
      `An event cannot be smaller than ${shell.length} bytes`,
    );
  }
  const text = bytes <= 512
    ? _small(_base64(fill))
    : _apiGateway(_base64(fill));
  return new TextEncoder().encode(text);
}

function _small(padding: string): string {
  return JSON.stringify({
    name: "Ada Lovelace",
    id: 1815,
    active: true,
    tags: ["math", "engines"],
    note: padding,
  });
}

function _apiGateway(body: string): string {
  return JSON.stringify({
    version: "2.0",
    routeKey: "POST /upload",
    rawPath: "/upload",
    rawQueryString: "",
    headers: {
      "content-type": "application/octet-stream",
      host: "abcdef1234.execute-api.us-east-1.amazonaws.com",
      "user-agent": "curl/8.5.0",
      "x-amzn-trace-id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700",
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abcdef1234",
      domainName: "abcdef1234.execute-api.us-east-1.amazonaws.com",
      http: {
        method: "POST",
        path: "/upload",
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "curl/8.5.0",
      },
      requestId: "JKJaXmPLvHcESHA=",
      routeKey: "POST /upload",
      stage: "$default",
      time: "10/Mar/2025:12:00:00 +0000",
      timeEpoch: 1741608000000,
    },
    body,
    isBase64Encoded: true,
  });
}

const _ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Deterministic noise: the same event in every run, nothing a compressor or a string dedup could exploit.
function _base64(length: number): string {
  const bytes = new Uint8Array(length);
  let state = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = _ALPHABET.charCodeAt((state >>> 0) & 63);
  }
  return new TextDecoder().decode(bytes);
}
