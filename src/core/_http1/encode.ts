/**
 * The bytes an HTTP/1.1 client writes: the request head, chunked-encoding
 * frames and the last chunk with its trailers (RFC 9112, sections 3 and 7).
 *
 * @module
 */

/** Header fields in the order they are written; names keep their case. */
export type HeaderList = [name: string, value: string][];

const _TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values may hold tabs and visible characters, never CR, LF or NUL.
const _FIELD_VALUE = /^[^\r\n\0]*$/;
const _TARGET = /^[\x21-\x7e]+$/;
const _CRLF = new Uint8Array([13, 10]);
const _encoder = new TextEncoder();

/** Names a trailer section must not carry: they frame or route the message. */
const _FORBIDDEN_TRAILERS = new Set([
  "content-length",
  "transfer-encoding",
  "host",
  "trailer",
  "connection",
  "content-type",
]);

/**
 * Turns a headers argument into an ordered list, checking every name and value
 * so that nothing can break out of its line.
 *
 * @example
 * ```ts
 * import { headerList } from "./encode.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(headerList({ "User-Agent": "x" }), [["User-Agent", "x"]]);
 * assert.throws(() => headerList({ "X-Evil": "a\r\nInjected: 1" }), TypeError);
 * ```
 */
export function headerList(
  headers: Record<string, string> | HeaderList | undefined,
): HeaderList {
  const list: HeaderList = headers === undefined
    ? []
    : Array.isArray(headers)
    ? headers.map(([name, value]) => [name, value])
    : Object.entries(headers);
  for (const [name, value] of list) {
    if (!_TOKEN.test(name)) {
      throw new TypeError(`Invalid header name ${JSON.stringify(name)}`);
    }
    if (typeof value !== "string" || !_FIELD_VALUE.test(value)) {
      throw new TypeError(
        `Invalid value for header ${name}: ${JSON.stringify(value)}`,
      );
    }
  }
  return list;
}

/**
 * Encodes a request line and header section, ending with the empty line.
 *
 * @example
 * ```ts
 * import { encodeHead } from "./encode.ts";
 * import assert from "node:assert/strict";
 *
 * const head = new TextDecoder().decode(encodeHead("GET", "/a", [["Host", "h:1"]]));
 * assert.equal(head, "GET /a HTTP/1.1\r\nHost: h:1\r\n\r\n");
 * ```
 */
export function encodeHead(
  method: string,
  target: string,
  headers: HeaderList,
): Uint8Array {
  if (!_TOKEN.test(method)) {
    throw new TypeError(`Invalid method ${JSON.stringify(method)}`);
  }
  if (!_TARGET.test(target)) {
    throw new TypeError(`Invalid request target ${JSON.stringify(target)}`);
  }
  let text = `${method} ${target} HTTP/1.1\r\n`;
  for (const [name, value] of headers) text += `${name}: ${value.trim()}\r\n`;
  return _encoder.encode(text + "\r\n");
}

/** Chunks up to this size are framed in one buffer: one write, one segment. */
const _COALESCE_LIMIT = 256 * 1024;

/**
 * Frames one non-empty chunk of a chunked body: size in hex, CRLF, the data,
 * CRLF. Small chunks come back as one buffer (one write, and no partial frame
 * waiting on the wire); large ones as three parts, so the data is not copied.
 *
 * @example
 * ```ts
 * import { encodeChunk } from "./encode.ts";
 * import assert from "node:assert/strict";
 *
 * const [frame] = encodeChunk(new TextEncoder().encode("hello, world"));
 * assert.equal(new TextDecoder().decode(frame), "c\r\nhello, world\r\n");
 * ```
 */
export function encodeChunk(data: Uint8Array): Uint8Array[] {
  if (data.byteLength === 0) {
    // A zero-size chunk is the last chunk: it would end the body.
    throw new RangeError("A chunk of a chunked body cannot be empty");
  }
  const size = _encoder.encode(data.byteLength.toString(16) + "\r\n");
  if (data.byteLength > _COALESCE_LIMIT) return [size, data, _CRLF];
  const frame = new Uint8Array(size.byteLength + data.byteLength + 2);
  frame.set(size, 0);
  frame.set(data, size.byteLength);
  frame.set(_CRLF, size.byteLength + data.byteLength);
  return [frame];
}

/**
 * Encodes the last chunk, the trailer section and the final empty line.
 *
 * @example
 * ```ts
 * import { encodeLastChunk } from "./encode.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeLastChunk([["X-Checksum", "abc"]]);
 * assert.equal(new TextDecoder().decode(bytes), "0\r\nX-Checksum: abc\r\n\r\n");
 * ```
 */
export function encodeLastChunk(trailers: HeaderList = []): Uint8Array {
  let text = "0\r\n";
  for (const [name, value] of trailers) {
    if (_FORBIDDEN_TRAILERS.has(name.toLowerCase())) {
      throw new TypeError(`${name} cannot be sent as a trailer`);
    }
    text += `${name}: ${value.trim()}\r\n`;
  }
  return _encoder.encode(text + "\r\n");
}

/**
 * Concatenates byte arrays into one.
 *
 * @example
 * ```ts
 * import { concat } from "./encode.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(concat([new Uint8Array([1]), new Uint8Array([2, 3])]), new Uint8Array([1, 2, 3]));
 * ```
 */
export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

const _chunkEncoder = new TextEncoder();

/**
 * Reads the next non-empty chunk of a body stream as bytes (strings UTF-8
 * encoded, buffers viewed without a copy), or `null` at the end. An empty
 * chunk is skipped: on the wire it would read as the last one. `what` names
 * the chunk in the `TypeError` for anything else.
 *
 * @example
 * ```ts
 * import { readChunk } from "./encode.ts";
 * import assert from "node:assert/strict";
 *
 * const reader = ReadableStream.from(["", "hi"]).getReader();
 * assert.deepEqual(await readChunk(reader, "A chunk"), new TextEncoder().encode("hi"));
 * assert.equal(await readChunk(reader, "A chunk"), null);
 * ```
 */
export async function readChunk(
  reader: ReadableStreamDefaultReader<unknown>,
  what: string,
): Promise<Uint8Array | null> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return null;
    const bytes = _chunkBytes(value, what);
    if (bytes.byteLength > 0) return bytes;
  }
}

function _chunkBytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return _chunkEncoder.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new TypeError(
    `${what} must be a Uint8Array or a string, got ${
      value === null ? "null" : typeof value
    }`,
  );
}
