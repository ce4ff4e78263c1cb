/**
 * Reads one HTTP/1.1 response from a byte source: status line, header
 * section, and a body framed by `Content-Length`, chunked encoding (with its
 * trailers) or the end of the connection (RFC 9112, section 6).
 *
 * @module
 */

import { LambdaRuntimeError } from "../errors.ts";

/**
 * A complete HTTP/1.1 response, body included.
 */
export interface Http1Response {
  /** The status code. */
  readonly status: number;
  /** The reason phrase, possibly empty. */
  readonly statusText: string;
  /** The header fields. */
  readonly headers: Headers;
  /** The body, whole. */
  readonly body: Uint8Array;
  /** Trailer fields of a chunked body; empty otherwise. */
  readonly trailers: Headers;
}

/**
 * The server broke HTTP/1.1: a malformed status line, header or chunk, or a
 * response larger than the client accepts.
 */
export class Http1ProtocolError extends LambdaRuntimeError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "Http1ProtocolError";
  }
}

/** Gives the next bytes received, or `null` at the end of the stream. */
export type ByteSource = () => Promise<Uint8Array | null>;

/**
 * A parsed response, and what it says about its connection.
 *
 * @example
 * ```ts
 * import type { ReadResponse } from "./response.ts";
 *
 * const done = (read: ReadResponse) => read.reusable;
 * ```
 */
export interface ReadResponse {
  /** The response. */
  response: Http1Response;
  /** Whether another request may be sent on the same connection. */
  reusable: boolean;
  /** Bytes received past the response: the connection is not reusable then. */
  extra: boolean;
}

/**
 * Limits for {@linkcode readResponse}.
 *
 * @example
 * ```ts
 * import type { ReadLimits } from "./response.ts";
 *
 * const limits: ReadLimits = { maxHeadBytes: 8192, maxBodyBytes: 1 << 20 };
 * ```
 */
export interface ReadLimits {
  /** Largest header (or trailer) section, in bytes. */
  maxHeadBytes: number;
  /** Largest body, in bytes. */
  maxBodyBytes: number;
}

const _STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;
const _latin1 = new TextDecoder("latin1");

/**
 * Reads one response. Interim `1xx` responses are skipped. `method` matters:
 * the answer to a `HEAD` has no body. Throws
 * {@linkcode Http1ProtocolError} on malformed input, and when the source ends
 * before the response does.
 *
 * @example
 * ```ts
 * import { readResponse } from "./response.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok");
 * let sent = false;
 * const read = await readResponse(async () => sent ? null : (sent = true, bytes), "POST");
 * assert.equal(read.response.status, 202);
 * assert.equal(new TextDecoder().decode(read.response.body), "ok");
 * assert.equal(read.reusable, true);
 * ```
 */
export async function readResponse(
  source: ByteSource,
  method: string,
  limits: ReadLimits = { maxHeadBytes: 64 * 1024, maxBodyBytes: 16 << 20 },
): Promise<ReadResponse> {
  const input = new _Input(source);
  for (;;) {
    const statusLine = await input.line(limits.maxHeadBytes, "status line");
    if (statusLine === null) {
      throw new Http1ProtocolError(
        "The connection closed before a response was received",
      );
    }
    const match = _STATUS_LINE.exec(statusLine);
    if (match === null) {
      throw new Http1ProtocolError(
        `Malformed status line ${JSON.stringify(statusLine.slice(0, 200))}`,
      );
    }
    const minor = match[1];
    const status = Number(match[2]);
    const headers = await _fields(input, limits.maxHeadBytes, "header");
    // Interim responses (100 Continue, 103 Early Hints) precede the real one.
    if (status >= 100 && status < 200 && status !== 101) continue;
    const connection = (headers.get("connection") ?? "").toLowerCase();
    let reusable = minor === "1"
      ? !/\bclose\b/.test(connection)
      : /\bkeep-alive\b/.test(connection);
    let body: Uint8Array;
    let trailers = new Headers();
    const transferEncoding = headers.get("transfer-encoding");
    const contentLength = headers.get("content-length");
    if (
      method === "HEAD" || status === 204 || status === 304 || status === 101
    ) {
      body = new Uint8Array(0);
    } else if (transferEncoding !== null) {
      if (!/(?:^|,)\s*chunked\s*$/i.test(transferEncoding)) {
        // Not chunked last: the body runs to the end of the connection.
        body = await input.rest(limits.maxBodyBytes);
        reusable = false;
      } else {
        const chunked = await _chunkedBody(input, limits);
        body = chunked.body;
        trailers = chunked.trailers;
      }
    } else if (contentLength !== null) {
      body = await input.exact(_length(contentLength), limits.maxBodyBytes);
    } else {
      body = await input.rest(limits.maxBodyBytes);
      reusable = false;
    }
    const statusText = match[3] ?? "";
    return {
      response: { status, statusText, headers, body, trailers },
      reusable,
      extra: input.buffered > 0,
    };
  }
}

function _length(value: string): number {
  // Repeated fields arrive joined with ", "; they must all agree.
  const values = new Set(value.split(",").map((part) => part.trim()));
  const [only] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(only)) {
    throw new Http1ProtocolError(
      `Invalid Content-Length ${JSON.stringify(value)}`,
    );
  }
  return Number(only);
}

async function _fields(
  input: _Input,
  maxBytes: number,
  kind: "header" | "trailer",
): Promise<Headers> {
  const headers = new Headers();
  let budget = maxBytes;
  for (;;) {
    const line = await input.line(budget, `${kind} section`);
    if (line === null) {
      throw new Http1ProtocolError(
        `The connection closed inside the ${kind} section`,
      );
    }
    if (line === "") return headers;
    budget -= line.length + 2;
    const colon = line.indexOf(":");
    if (colon <= 0 || line[0] === " " || line[0] === "\t") {
      throw new Http1ProtocolError(
        `Malformed ${kind} line ${JSON.stringify(line.slice(0, 200))}`,
      );
    }
    const name = line.slice(0, colon);
    try {
      headers.append(name, line.slice(colon + 1).trim());
    } catch (error) {
      throw new Http1ProtocolError(
        `Invalid ${kind} ${JSON.stringify(name.slice(0, 200))}`,
        { cause: error },
      );
    }
  }
}

async function _chunkedBody(
  input: _Input,
  limits: ReadLimits,
): Promise<{ body: Uint8Array; trailers: Headers }> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const line = await input.line(1024, "chunk size");
    if (line === null) {
      throw new Http1ProtocolError(
        "The connection closed inside a chunked body",
      );
    }
    const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
    if (size === null) {
      throw new Http1ProtocolError(
        `Malformed chunk size ${JSON.stringify(line.slice(0, 100))}`,
      );
    }
    const length = parseInt(size[1], 16);
    if (length === 0) break;
    total += length;
    if (total > limits.maxBodyBytes) {
      throw new Http1ProtocolError(
        `The response body is larger than ${limits.maxBodyBytes} bytes`,
      );
    }
    parts.push(await input.exact(length, limits.maxBodyBytes));
    if ((await input.line(2, "chunk end")) !== "") {
      throw new Http1ProtocolError("A chunk is not followed by CRLF");
    }
  }
  const trailers = await _fields(input, limits.maxHeadBytes, "trailer");
  const body = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.byteLength;
  }
  return { body, trailers };
}

/** Buffered reading over a {@linkcode ByteSource}; the buffer grows by doubling, so reading is linear. */
class _Input {
  #source: ByteSource;
  #buffer: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;
  #ended = false;

  constructor(source: ByteSource) {
    this.#source = source;
  }

  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Reads more; false at the end of the stream. */
  async #fill(): Promise<boolean> {
    if (this.#ended) return false;
    const bytes = await this.#source();
    if (bytes === null) {
      this.#ended = true;
      return false;
    }
    this.#append(bytes);
    return true;
  }

  #append(bytes: Uint8Array): void {
    const kept = this.#end - this.#start;
    if (this.#end + bytes.byteLength > this.#buffer.byteLength) {
      const needed = kept + bytes.byteLength;
      const target = needed <= this.#buffer.byteLength
        ? this.#buffer
        : new Uint8Array(Math.max(needed, 2 * this.#buffer.byteLength, 4096));
      if (target === this.#buffer) {
        target.copyWithin(0, this.#start, this.#end);
      } else {
        target.set(this.#buffer.subarray(this.#start, this.#end), 0);
      }
      this.#buffer = target;
      this.#start = 0;
      this.#end = kept;
    }
    this.#buffer.set(bytes, this.#end);
    this.#end += bytes.byteLength;
  }

  /** A line without its CRLF; `null` if the stream ends before any byte of it. */
  async line(maxBytes: number, what: string): Promise<string | null> {
    let searched = this.#start;
    for (;;) {
      const at = this.#buffer.subarray(0, this.#end).indexOf(10, searched);
      if (at >= 0) {
        if (at === this.#start || this.#buffer[at - 1] !== 13) {
          throw new Http1ProtocolError(`A bare LF ends the ${what}`);
        }
        const line = _latin1.decode(this.#buffer.subarray(this.#start, at - 1));
        this.#start = at + 1;
        return line;
      }
      if (this.#end - this.#start > maxBytes) {
        throw new Http1ProtocolError(`The ${what} is too long`);
      }
      searched = this.#end;
      const before = this.#start;
      if (!(await this.#fill())) {
        if (this.buffered === 0) return null;
        throw new Http1ProtocolError(
          `The connection closed inside the ${what}`,
        );
      }
      searched -= before - this.#start;
    }
  }

  /** Exactly `length` bytes, copied once into their own array. */
  async exact(length: number, maxBytes: number): Promise<Uint8Array> {
    if (length > maxBytes) {
      throw new Http1ProtocolError(
        `The response body is larger than ${maxBytes} bytes`,
      );
    }
    if (this.buffered >= length) {
      const bytes = this.#buffer.slice(this.#start, this.#start + length);
      this.#start += length;
      return bytes;
    }
    // A large body goes straight into its final array, not through the buffer.
    const out = new Uint8Array(length);
    let filled = this.buffered;
    out.set(this.#buffer.subarray(this.#start, this.#end), 0);
    this.#start = this.#end = 0;
    while (filled < length) {
      const bytes = this.#ended ? null : await this.#source();
      if (bytes === null) {
        this.#ended = true;
        throw new Http1ProtocolError(
          `The connection closed ${
            length - filled
          } bytes before the end of the body`,
        );
      }
      const take = Math.min(bytes.byteLength, length - filled);
      out.set(
        take === bytes.byteLength ? bytes : bytes.subarray(0, take),
        filled,
      );
      filled += take;
      if (take < bytes.byteLength) this.#append(bytes.subarray(take));
    }
    return out;
  }

  /** Everything up to the end of the stream. */
  async rest(maxBytes: number): Promise<Uint8Array> {
    while (await this.#fill()) {
      if (this.buffered > maxBytes) {
        throw new Http1ProtocolError(
          `The response body is larger than ${maxBytes} bytes`,
        );
      }
    }
    const bytes = this.#buffer.slice(this.#start, this.#end);
    this.#start = this.#end;
    return bytes;
  }
}
