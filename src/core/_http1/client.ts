/**
 * A small HTTP/1.1 client over a raw socket (`Deno.connect`): what the
 * streamed Runtime API response needs and `fetch` cannot do. It sends a body
 * chunk by chunk as it is produced, with backpressure, ends it with trailers,
 * keeps connections alive, and reads the whole (small) response.
 *
 * @module
 */

import { LambdaRuntimeError } from "../errors.ts";
import {
  concat,
  encodeChunk,
  encodeHead,
  encodeLastChunk,
  type HeaderList,
  headerList,
  readChunk,
} from "./encode.ts";
import {
  type Http1Response,
  type ReadLimits,
  readResponse,
} from "./response.ts";

/**
 * Opens the connection a request is sent on: the raw-socket seam. The default
 * is `Deno.connect`.
 */
export type Connector = (
  options: { hostname: string; port: number },
) => Promise<Deno.Conn>;

/**
 * Options for {@linkcode Http1Client}.
 */
export interface Http1ClientOptions {
  /** Opens connections; `Deno.connect` when absent. */
  connect?: Connector;
  /** The largest response body accepted, in bytes; 16 MiB when absent. */
  maxResponseBytes?: number;
}

/**
 * A request body: bytes are sent with `Content-Length`; a stream is sent
 * with `Transfer-Encoding: chunked`, one chunk per non-empty chunk it
 * yields, each written before the next is read (backpressure).
 */
export type Http1Body = string | Uint8Array | ReadableStream<Uint8Array>;

/**
 * One request for {@linkcode Http1Client.request}.
 */
export interface Http1RequestInit {
  /** The method; `POST` when there is a body, `GET` otherwise. */
  method?: string;
  /** The request target, such as `/2018-06-01/runtime/invocation/next`. */
  path: string;
  /**
   * Header fields, written in this order with their names' case. `Host` is
   * added when absent; `Content-Length` and `Transfer-Encoding` are the
   * client's to set.
   */
  headers?: Record<string, string> | HeaderList;
  /** The body, if any. */
  body?: Http1Body | null;
  /**
   * Called once the body has ended; the fields it returns are sent as the
   * trailer section. Giving it makes the body chunked.
   */
  trailers?: () => Record<string, string> | HeaderList | undefined;
  /** Aborts the request: the connection is closed and the body cancelled. */
  signal?: AbortSignal;
}

/** Chunks up to this size are framed in the connection's buffer, not allocated. */
const _SCRATCH_LIMIT = 256 * 1024;
/** How many idle connections are kept for reuse. */
const _MAX_IDLE = 4;
const _encoder = new TextEncoder();

/**
 * An HTTP/1.1 client for one `host:port`, over raw sockets.
 *
 * - A stream body is written chunk by chunk, each chunk as soon as it is
 *   read, and the next is not read until the socket took the previous one:
 *   a slow server slows the producer down, and memory stays flat.
 * - Trailers follow the last chunk (`trailers` option).
 * - Connections are kept alive and reused; an idle one the server closed is
 *   noticed and dropped, and a request whose first write fails on a reused
 *   connection is sent again on a new one (the body was not consumed yet,
 *   and the server cannot have read a whole request). A request written
 *   whole that then gets no answer is sent again only when it is a `GET` or
 *   `HEAD`: a `POST` may have been acted on, and is never sent twice.
 * - When the server answers before the body is sent, the body is cancelled
 *   and the answer returned; when the body's stream errors, the connection
 *   is closed without the last chunk (the server sees an incomplete body) and
 *   `request` rejects with that error.
 */
export class Http1Client implements AsyncDisposable {
  /** The host name or IP address requests go to. */
  readonly hostname: string;
  /** The port requests go to. */
  readonly port: number;
  #authority: string;
  #connect: Connector;
  #limits: ReadLimits;
  #idle: _Connection[] = [];
  #all = new Set<_Connection>();
  #closed = false;

  /** Creates a client for `authority` (`host:port`, `[v6]:port`); connects lazily. */
  constructor(authority: string, options: Http1ClientOptions = {}) {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/]+)):(\d{1,5})$/.exec(
      authority,
    );
    const port = match === null ? NaN : Number(match[3]);
    if (match === null || port < 1 || port > 65535) {
      throw new TypeError(
        `Expected host:port, got ${JSON.stringify(authority)}`,
      );
    }
    this.hostname = match[1] ?? match[2];
    this.port = port;
    this.#authority = authority;
    this.#connect = options.connect ??
      ((target) => Deno.connect({ ...target, transport: "tcp" }));
    this.#limits = {
      maxHeadBytes: 64 * 1024,
      maxBodyBytes: options.maxResponseBytes ?? 16 << 20,
    };
  }

  /**
   * Sends one request and reads its whole response. Rejects with the
   * socket's error, an {@linkcode Http1ProtocolError} for a malformed
   * response, the body stream's own error, or the signal's reason.
   */
  async request(init: Http1RequestInit): Promise<Http1Response> {
    if (this.#closed) {
      throw new LambdaRuntimeError("The HTTP/1.1 client is closed");
    }
    const signal = init.signal;
    signal?.throwIfAborted();
    const body = init.body ?? null;
    const method = init.method ?? (body === null ? "GET" : "POST");
    const headers = headerList(init.headers);
    let hasHost = false;
    for (const [name] of headers) {
      const lower = name.toLowerCase();
      if (lower === "content-length" || lower === "transfer-encoding") {
        throw new TypeError(`${name} is set by the client from the body`);
      }
      if (lower === "host") hasHost = true;
    }
    if (!hasHost) headers.unshift(["Host", this.#authority]);

    const bytes = typeof body === "string"
      ? _encoder.encode(body)
      : body instanceof Uint8Array
      ? body
      : undefined;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    if (body instanceof ReadableStream) reader = body.getReader();
    else if (bytes !== undefined && init.trailers !== undefined) {
      reader = ReadableStream.from([bytes]).getReader();
    }
    // The head goes out with the body's first chunk, in one write.
    let first: Uint8Array[];
    let rest = reader;
    if (reader !== undefined) {
      headers.push(["Transfer-Encoding", "chunked"]);
      const head = encodeHead(method, init.path, headers);
      const chunk = await _nextChunk(reader);
      if (chunk === null) {
        first = [concat([head, _lastChunk(init.trailers)])];
        rest = undefined;
      } else first = [concat([head, ...encodeChunk(chunk)])];
    } else if (bytes !== undefined) {
      headers.push(["Content-Length", String(bytes.byteLength)]);
      const head = encodeHead(method, init.path, headers);
      first = bytes.byteLength <= 64 * 1024
        ? [concat([head, bytes])]
        : [head, bytes];
    } else {
      if (method === "POST" || method === "PUT" || method === "PATCH") {
        headers.push(["Content-Length", "0"]);
      }
      first = [encodeHead(method, init.path, headers)];
    }

    let connection = this.#take();
    try {
      for (;;) {
        const reused = connection !== undefined;
        connection ??= await this.#dial();
        try {
          return await this.#exchange(connection, {
            method,
            first,
            reader: rest,
            trailers: init.trailers,
            // Sent whole but unanswered, only a request that changes nothing may go again.
            replayable: reader === undefined &&
              (method === "GET" || method === "HEAD"),
            signal,
          });
        } catch (error) {
          if (!(error instanceof _Stale)) throw error;
          if (!reused || signal?.aborted) throw error.cause;
          // The server had closed the kept-alive connection: try a new one.
          connection = undefined;
        }
      }
    } catch (error) {
      await reader?.cancel(error).catch(() => {});
      throw signal?.aborted ? signal.reason : error;
    }
  }

  /** Closes every connection. Requests under way fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const settling: Promise<unknown>[] = [];
    for (const connection of this.#all) settling.push(connection.destroy());
    this.#all.clear();
    this.#idle = [];
    await Promise.all(settling);
  }

  /** Closes the client, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #take(): _Connection | undefined {
    for (;;) {
      const connection = this.#idle.pop();
      if (connection === undefined) return undefined;
      if (connection.wake()) return connection;
      this.#drop(connection);
    }
  }

  async #dial(): Promise<_Connection> {
    const conn = await this.#connect({
      hostname: this.hostname,
      port: this.port,
    });
    // Small chunks (server-sent events) must leave at once, not wait for an ACK.
    (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
    const connection = new _Connection(conn);
    if (this.#closed) {
      await connection.destroy();
      throw new LambdaRuntimeError("The HTTP/1.1 client is closed");
    }
    this.#all.add(connection);
    return connection;
  }

  #release(connection: _Connection): void {
    if (this.#closed || this.#idle.length >= _MAX_IDLE) {
      this.#drop(connection);
      return;
    }
    this.#idle.push(connection);
    connection.sleep(() => {
      const at = this.#idle.indexOf(connection);
      if (at < 0) return;
      this.#idle.splice(at, 1);
      this.#drop(connection);
    });
  }

  #drop(connection: _Connection): void {
    this.#all.delete(connection);
    connection.destroy();
  }

  async #exchange(
    connection: _Connection,
    request: _Exchange,
  ): Promise<Http1Response> {
    const { reader, signal } = request;
    let stopped = false;
    const stop = (reason: unknown) => {
      if (stopped) return;
      stopped = true;
      reader?.cancel(reason).catch(() => {});
      this.#drop(connection);
    };
    const onAbort = () => stop(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      try {
        await connection.writeAll(request.first);
      } catch (error) {
        this.#drop(connection);
        throw new _Stale(error);
      }
      let received = 0;
      const reading = readResponse(
        async () => {
          const bytes = await connection.read();
          if (bytes !== null) received += bytes.byteLength;
          return bytes;
        },
        request.method,
        this.#limits,
      );
      reading.catch(() => {});
      const writing = reader === undefined
        ? Promise.resolve<_Written>({ kind: "done" })
        : _writeRest(connection, reader, request.trailers, () => stopped);
      const first = await Promise.race([
        writing.then(() => "written" as const),
        reading.then(() => "answered" as const, () => "answered" as const),
      ]);
      if (first === "answered") {
        // An answer before the whole body: the rest is not wanted.
        stop(
          new LambdaRuntimeError("The server answered before the body ended"),
        );
        await writing;
        return (await reading).response;
      }
      const written = await writing;
      if (written.kind === "source") {
        stop(written.error);
        throw written.error;
      }
      let read;
      try {
        read = await reading;
      } catch (error) {
        this.#drop(connection);
        if (written.kind === "socket") throw written.error;
        if (request.replayable && received === 0) throw new _Stale(error);
        throw error;
      }
      if (written.kind === "socket" || !read.reusable || read.extra) {
        this.#drop(connection);
      } else {
        this.#release(connection);
      }
      return read.response;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }
}

interface _Exchange {
  method: string;
  first: Uint8Array[];
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  trailers: Http1RequestInit["trailers"];
  replayable: boolean;
  signal: AbortSignal | undefined;
}

type _Written =
  | { kind: "done" }
  | { kind: "source"; error: unknown }
  | { kind: "socket"; error: unknown };

/** Writes the rest of a chunked body; never rejects. */
async function _writeRest(
  connection: _Connection,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  trailers: Http1RequestInit["trailers"],
  stopped: () => boolean,
): Promise<_Written> {
  for (;;) {
    let chunk: Uint8Array | null;
    let last: Uint8Array | undefined;
    try {
      chunk = await _nextChunk(reader);
      if (stopped()) return { kind: "done" };
      if (chunk === null) last = _lastChunk(trailers);
    } catch (error) {
      return { kind: "source", error };
    }
    try {
      if (last !== undefined) {
        await connection.writeAll([last]);
        return { kind: "done" };
      }
      await connection.writeChunk(chunk!);
    } catch (error) {
      return { kind: "socket", error };
    }
  }
}

function _lastChunk(trailers: Http1RequestInit["trailers"]): Uint8Array {
  return encodeLastChunk(headerList(trailers?.()));
}

/** A failure before the server could have seen the request: safe to resend. */
class _Stale {
  constructor(readonly cause: unknown) {}
}

/** One socket, with the read that watches it while it is idle. */
class _Connection {
  #conn: Deno.Conn;
  #buffer = new Uint8Array(64 * 1024);
  #scratch = new Uint8Array(0);
  #pending: Promise<Uint8Array | null> | undefined;
  #lost = false;
  #destroyed = false;
  #settled: Promise<unknown> | undefined;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  read(): Promise<Uint8Array | null> {
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      return pending;
    }
    return this.#read();
  }

  async #read(): Promise<Uint8Array | null> {
    const count = await this.#conn.read(this.#buffer);
    return count === null ? null : this.#buffer.slice(0, count);
  }

  /**
   * Writes one chunk's frame. Small chunks are framed in a buffer kept for
   * the connection: one write, and no allocation per chunk.
   */
  async writeChunk(data: Uint8Array): Promise<void> {
    if (data.byteLength > _SCRATCH_LIMIT) {
      await this.writeAll(encodeChunk(data));
      return;
    }
    const length = data.byteLength + 16;
    if (this.#scratch.byteLength < length) {
      this.#scratch = new Uint8Array(
        Math.max(length, 2 * this.#scratch.byteLength),
      );
    }
    const scratch = this.#scratch;
    const size = _encoder.encodeInto(
      data.byteLength.toString(16) + "\r\n",
      scratch,
    ).written;
    scratch.set(data, size);
    scratch[size + data.byteLength] = 13;
    scratch[size + data.byteLength + 1] = 10;
    await this.writeAll([scratch.subarray(0, size + data.byteLength + 2)]);
  }

  async writeAll(parts: Uint8Array[]): Promise<void> {
    for (const part of parts) {
      let offset = 0;
      while (offset < part.byteLength) {
        offset += await this.#conn.write(part.subarray(offset));
      }
    }
  }

  /** Parks the connection: anything it receives now means it is finished. */
  sleep(onLost: () => void): void {
    this.#conn.unref();
    const pending = this.#read();
    this.#pending = pending;
    const lost = () => {
      // Only while parked: once taken back, what it reads is the next response.
      if (this.#pending !== pending) return;
      this.#lost = true;
      onLost();
    };
    pending.then(lost, lost);
    this.#settled = pending.catch(() => {});
  }

  /** Takes the connection back from idle; false if the server closed it. */
  wake(): boolean {
    this.#conn.ref();
    return !this.#lost;
  }

  /** Closes the socket; resolves once its idle read, if any, has settled. */
  destroy(): Promise<unknown> {
    if (!this.#destroyed) {
      this.#destroyed = true;
      this.#lost = true;
      try {
        this.#conn.close();
      } catch {
        // Already closed.
      }
    }
    return this.#settled ?? Promise.resolve();
  }
}

/** The next non-empty chunk as bytes, or `null` at the end (the lock released). */
async function _nextChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<Uint8Array | null> {
  const chunk = await readChunk(reader, "A body chunk");
  if (chunk === null) reader.releaseLock();
  return chunk;
}
