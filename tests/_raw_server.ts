// A TCP server on 127.0.0.1:0 that hands each connection to the test, and reads requests as raw bytes.

export interface RawServer extends AsyncDisposable {
  readonly port: number;
  readonly authority: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export function rawServer(
  onConnection: (conn: Deno.Conn, index: number) => Promise<void>,
): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const tasks = new Set<Promise<void>>();
  const conns = new Set<Deno.Conn>();
  let accepted = 0;
  const loop = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      const index = accepted++;
      conns.add(conn);
      const task = (async () => {
        try {
          await onConnection(conn, index);
        } catch {
          // The client went away; the test asserts on what it saw.
        } finally {
          conns.delete(conn);
          try {
            conn.close();
          } catch {
            // Already closed.
          }
        }
      })();
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })();
  async function close() {
    listener.close();
    await loop;
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
    await Promise.all(tasks);
  }
  return {
    port,
    authority: `127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

const _encoder = new TextEncoder();
const _decoder = new TextDecoder();

export function text(bytes: Uint8Array): string {
  return _decoder.decode(bytes);
}

export async function write(conn: Deno.Conn, data: string | Uint8Array) {
  const bytes = typeof data === "string" ? _encoder.encode(data) : data;
  let offset = 0;
  while (offset < bytes.byteLength) {
    offset += await conn.write(bytes.subarray(offset));
  }
}

/** Reads from a connection, keeping bytes past a request for the next one. */
export class RequestReader {
  #conn: Deno.Conn;
  #buffer = new Uint8Array(0);
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async #more(): Promise<boolean> {
    const chunk = new Uint8Array(64 * 1024);
    const count = await this.#conn.read(chunk);
    if (count === null) return false;
    const next = new Uint8Array(this.#buffer.byteLength + count);
    next.set(this.#buffer);
    next.set(chunk.subarray(0, count), this.#buffer.byteLength);
    this.#buffer = next;
    return true;
  }

  /** Bytes until the end of the connection. */
  async rest(): Promise<Uint8Array> {
    while (await this.#more()) {
      // Keep reading.
    }
    const all = this.#buffer;
    this.#buffer = new Uint8Array(0);
    return all;
  }

  /** Only the head (through the empty line), leaving the body unread. */
  async head(): Promise<string | null> {
    for (;;) {
      const at = text(this.#buffer).indexOf("\r\n\r\n");
      if (at >= 0) {
        const head = text(this.#buffer.subarray(0, at + 4));
        this.#buffer = this.#buffer.subarray(at + 4);
        return head;
      }
      if (!(await this.#more())) return null;
    }
  }

  /** The exact bytes of one whole request (head, body, trailers); null at EOF before one. */
  async request(): Promise<Uint8Array | null> {
    let headEnd: number;
    for (;;) {
      headEnd = _find(this.#buffer, "\r\n\r\n", 0);
      if (headEnd >= 0) break;
      if (!(await this.#more())) return null;
    }
    const head = text(this.#buffer.subarray(0, headEnd)).toLowerCase();
    let end = headEnd + 4;
    const length = /\r\ncontent-length: *(\d+)/.exec(head);
    if (/\r\ntransfer-encoding: *chunked/.test(head)) {
      // Walks the chunks: data may contain anything.
      for (;;) {
        let lineEnd;
        while ((lineEnd = _find(this.#buffer, "\r\n", end)) < 0) {
          if (!(await this.#more())) throw new Error("EOF inside chunk size");
        }
        const size = parseInt(text(this.#buffer.subarray(end, lineEnd)), 16);
        end = lineEnd + 2;
        if (size === 0) {
          for (;;) {
            while ((lineEnd = _find(this.#buffer, "\r\n", end)) < 0) {
              if (!(await this.#more())) throw new Error("EOF in trailers");
            }
            const empty = lineEnd === end;
            end = lineEnd + 2;
            if (empty) break;
          }
          break;
        }
        while (this.#buffer.byteLength < end + size + 2) {
          if (!(await this.#more())) throw new Error("EOF inside a chunk");
        }
        end += size + 2;
      }
    } else if (length !== null) {
      end += Number(length[1]);
      while (this.#buffer.byteLength < end) {
        if (!(await this.#more())) throw new Error("EOF inside the body");
      }
    }
    const request = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.subarray(end);
    return request;
  }
}

function _find(bytes: Uint8Array, needle: string, from: number): number {
  const target = _encoder.encode(needle);
  outer: for (let i = from; i <= bytes.byteLength - target.byteLength; i++) {
    for (let j = 0; j < target.byteLength; j++) {
      if (bytes[i + j] !== target[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** A loopback `host:port` that refuses connections: bound, then closed, so nothing listens there. */
export function refusedAddress(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return `127.0.0.1:${port}`;
}
