/**
 * The feeder: a lean Runtime API on a raw `Deno.listen` socket. It answers
 * `/next` with a pre-built event as soon as it is asked, and times each
 * invocation from the moment its answer is written to the moment the whole
 * outcome is read: the runtime's overhead as Lambda sees it.
 *
 * @module
 */

import {
  type FeederOptions,
  type FeederResult,
  Ledger,
  NEXT_PATH,
  parseOutcomePath,
} from "./ledger.ts";

export type { FeederOptions, FeederResult } from "./ledger.ts";

/** A running feeder. */
export interface Feeder extends AsyncDisposable {
  /** `127.0.0.1:PORT`, for `AWS_LAMBDA_RUNTIME_API`. */
  readonly runtimeApi: string;
  /** Resolves with `performance.now()` when the first `/next` arrived. */
  readonly firstNext: Promise<number>;
  /** Resolves when all invocations were answered. */
  readonly done: Promise<FeederResult>;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
}

const _encoder = new TextEncoder();
const _decoder = new TextDecoder();
const _ACCEPTED = _encoder.encode(
  'HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 16\r\n\r\n{"status":"OK"}\n',
);
const _NOT_FOUND = _encoder.encode(
  "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
);
// Below this size the head and the event leave in one write.
const _COALESCE = 64 * 1024;

/**
 * Starts a feeder on 127.0.0.1, on a free port.
 *
 * @example
 * ```ts ignore
 * import { startFeeder } from "./feeder.ts";
 *
 * await using feeder = startFeeder({ event: new TextEncoder().encode("{}"), count: 100, warmup: 10 });
 * // spawn the runtime with AWS_LAMBDA_RUNTIME_API=feeder.runtimeApi, then:
 * const result = await feeder.done;
 * ```
 */
export function startFeeder(options: FeederOptions): Feeder {
  const ledger = new Ledger(options);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const closed = Promise.withResolvers<void>();
  const serving: Promise<void>[] = [];

  async function accept(): Promise<void> {
    for await (const conn of listener) {
      conns.add(conn);
      serving.push(
        _serve(conn, ledger, closed.promise).catch(() => {}).finally(() => {
          conns.delete(conn);
          try {
            conn.close();
          } catch {
            // Already closed by the peer or by close().
          }
        }),
      );
    }
  }
  const accepting = accept().catch(() => {});

  async function close(): Promise<void> {
    closed.resolve();
    try {
      listener.close();
    } catch {
      // Already closed.
    }
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
    await accepting;
    await Promise.all(serving);
  }

  return {
    runtimeApi: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    firstNext: ledger.firstNext,
    done: ledger.done,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function _serve(
  conn: Deno.TcpConn,
  ledger: Ledger,
  closed: Promise<void>,
): Promise<void> {
  conn.setNoDelay(true);
  const reader = new _Reader(conn);
  const event = ledger.event;
  for (;;) {
    const head = await reader.head();
    if (head === undefined) return;
    if (head.method === "GET" && head.path === NEXT_PATH) {
      const headers = ledger.next();
      if (headers === undefined) {
        await closed;
        return;
      }
      let text = "HTTP/1.1 200 OK\r\n";
      for (const name in headers) text += `${name}: ${headers[name]}\r\n`;
      text += `content-length: ${event.length}\r\n\r\n`;
      const bytes = _encoder.encode(text);
      if (event.length <= _COALESCE) {
        const whole = new Uint8Array(bytes.length + event.length);
        whole.set(bytes);
        whole.set(event, bytes.length);
        ledger.written(performance.now());
        await _writeAll(conn, whole);
      } else {
        ledger.written(performance.now());
        await _writeAll(conn, bytes);
        await _writeAll(conn, event);
      }
      continue;
    }
    const bodyBytes = await reader.skipBody(head);
    const now = performance.now();
    const outcome = head.method === "POST"
      ? parseOutcomePath(head.path)
      : undefined;
    if (outcome !== undefined) {
      ledger.outcome(outcome[0], outcome[1], bodyBytes, now);
      await _writeAll(conn, _ACCEPTED);
    } else if (head.method === "POST" && head.path.endsWith("/init/error")) {
      ledger.stray();
      await _writeAll(conn, _ACCEPTED);
    } else {
      ledger.stray();
      await _writeAll(conn, _NOT_FOUND);
    }
  }
}

interface _Head {
  method: string;
  path: string;
  contentLength: number;
  chunked: boolean;
}

/** A buffered reader of HTTP/1.1 requests: enough of the protocol for the Runtime API. */
class _Reader {
  #conn: Deno.Conn;
  #buffer = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;
  #scratch: Uint8Array | undefined;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async head(): Promise<_Head | undefined> {
    let from = this.#start;
    for (;;) {
      const at = _indexOfBlankLine(this.#buffer, from, this.#end);
      if (at >= 0) {
        const text = _decoder.decode(this.#buffer.subarray(this.#start, at));
        this.#start = at + 4;
        return _parseHead(text);
      }
      from = Math.max(this.#start, this.#end - 3);
      const before = this.#start;
      if (!await this.#fill()) return undefined;
      from -= before - this.#start;
    }
  }

  async skipBody(head: _Head): Promise<number> {
    if (head.chunked) return await this.#skipChunked();
    await this.#skip(head.contentLength);
    return head.contentLength;
  }

  async #skip(length: number): Promise<void> {
    let left = length;
    const buffered = Math.min(left, this.#end - this.#start);
    this.#start += buffered;
    left -= buffered;
    if (left === 0) return;
    // Large bodies are read straight into a scratch buffer, never kept.
    this.#scratch ??= new Uint8Array(1024 * 1024);
    while (left > 0) {
      const view = left < this.#scratch.length
        ? this.#scratch.subarray(0, left)
        : this.#scratch;
      const read = await this.#conn.read(view);
      if (read === null) throw new Error("connection closed mid-body");
      left -= read;
    }
  }

  async #skipChunked(): Promise<number> {
    let total = 0;
    for (;;) {
      const line = await this.#line();
      const size = parseInt(line, 16);
      if (Number.isNaN(size)) throw new Error(`bad chunk size "${line}"`);
      if (size === 0) {
        // Trailers, then the blank line.
        while ((await this.#line()) !== "");
        return total;
      }
      await this.#skip(size);
      await this.#line();
      total += size;
    }
  }

  async #line(): Promise<string> {
    for (;;) {
      for (let i = this.#start; i + 1 < this.#end; i++) {
        if (this.#buffer[i] === 13 && this.#buffer[i + 1] === 10) {
          const text = _decoder.decode(this.#buffer.subarray(this.#start, i));
          this.#start = i + 2;
          return text;
        }
      }
      if (!await this.#fill()) throw new Error("connection closed mid-line");
    }
  }

  /** Reads more bytes after the buffered ones; false at the end of the stream. */
  async #fill(): Promise<boolean> {
    if (this.#start > 0 && this.#end === this.#buffer.length) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    } else if (this.#start === this.#end) {
      this.#start = this.#end = 0;
    }
    if (this.#end === this.#buffer.length) {
      const bigger = new Uint8Array(this.#buffer.length * 2);
      bigger.set(this.#buffer.subarray(0, this.#end));
      this.#buffer = bigger;
    }
    const read = await this.#conn.read(this.#buffer.subarray(this.#end));
    if (read === null) return false;
    this.#end += read;
    return true;
  }
}

function _indexOfBlankLine(bytes: Uint8Array, from: number, end: number) {
  for (let i = from; i + 3 < end; i++) {
    if (
      bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 &&
      bytes[i + 3] === 10
    ) return i;
  }
  return -1;
}

function _parseHead(text: string): _Head {
  const lines = text.split("\r\n");
  const [method, path] = lines[0].split(" ");
  let contentLength = 0;
  let chunked = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === "content-length") {
      contentLength = Number(line.slice(colon + 1).trim());
    } else if (name === "transfer-encoding") {
      chunked = /chunked/i.test(line.slice(colon + 1));
    }
  }
  return { method, path, contentLength, chunked };
}

async function _writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await conn.write(bytes.subarray(written));
  }
}
