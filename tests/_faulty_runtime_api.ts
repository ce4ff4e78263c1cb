// A Runtime API on raw sockets that misbehaves on cue, and counts on its side what each invocation got.
import { rawServer, RequestReader, text, write } from "./_raw_server.ts";

/** What one `/next` request gets. */
export type NextFault =
  | "answer"
  /** Headers and half the body, then the connection ends. */
  | "cut"
  /** Answers after `stall` ms. */
  | { stall: number }
  | "500";

export interface FaultPlan {
  /** The fault of the `n`th `/next` (from 0); "answer" when absent. */
  next?(n: number): NextFault;
  /** The status a `/response` for `id` gets; 202 when absent. */
  response?(id: string): number;
  /** Deadline of each invocation; an hour ahead when absent. */
  deadlineMs?(): number;
  /** The event for `id`; `{"id":…}` when absent. */
  event?(id: string): string;
  /** More headers for `id`'s `/next` answer (a trace header, say). */
  headers?(id: string): Record<string, string>;
  /** Called as the `n`th `/next` request arrives, before it is answered. */
  onNext?(n: number): void;
}

export interface FaultyRuntimeApi extends AsyncDisposable {
  /** `host:port`, for `AWS_LAMBDA_RUNTIME_API`. */
  readonly authority: string;
  /** Invocations not yet answered, in order. */
  readonly pending: readonly string[];
  /** How many `/response` or `/error` posts each id got. */
  readonly answers: Map<string, number>;
  /** Resolves when every invocation is answered and the runtime asks again. */
  readonly drained: Promise<void>;
  /** Stops listening: later connections are refused. */
  stopListening(): void;
}

/** Serves `ids` one at a time, the head of the queue until it is answered. */
export function faultyRuntimeApi(
  ids: readonly string[],
  plan: FaultPlan = {},
): FaultyRuntimeApi {
  const pending = [...ids];
  const answers = new Map<string, number>();
  const drained = Promise.withResolvers<void>();
  const closing = Promise.withResolvers<void>();
  let nexts = 0;
  const server = rawServer(async (conn) => {
    const reader = new RequestReader(conn);
    for (;;) {
      const request = await reader.request();
      if (request === null) return;
      const [method, path] = text(request).split(" ", 2);
      if (method === "GET" && path.endsWith("/invocation/next")) {
        const n = nexts++;
        plan.onNext?.(n);
        const fault = plan.next?.(n) ?? "answer";
        const id = pending[0];
        if (id === undefined) {
          drained.resolve();
          // Held, as Lambda holds a poll with nothing to deliver.
          return await closing.promise;
        }
        if (fault === "500") {
          return await _answer(conn, 500, {}, '{"errorType":"Unhealthy"}');
        }
        if (typeof fault === "object") {
          await new Promise((resolve) => setTimeout(resolve, fault.stall));
        }
        const body = plan.event?.(id) ?? JSON.stringify({ id });
        const headers = {
          ...plan.headers?.(id),
          "content-type": "application/json",
          "lambda-runtime-aws-request-id": id,
          "lambda-runtime-deadline-ms": String(
            plan.deadlineMs?.() ?? Date.now() + 3_600_000,
          ),
        };
        if (fault === "cut") {
          await write(
            conn,
            _head(200, { ...headers, "content-length": `${body.length}` }) +
              body.slice(0, body.length >> 1),
          );
          return;
        }
        await _answer(conn, 200, headers, body);
        continue;
      }
      const match = /\/invocation\/([^/]+)\/(response|error)$/.exec(path);
      if (method === "POST" && match) {
        const id = decodeURIComponent(match[1]);
        answers.set(id, (answers.get(id) ?? 0) + 1);
        if (pending[0] === id) pending.shift();
        const status = plan.response?.(id) ?? 202;
        await _answer(conn, status, {}, status === 202 ? "" : '{"e":1}');
        continue;
      }
      await _answer(conn, 404, {}, "");
    }
  });
  let closed: Promise<void> | undefined;
  const close = () => {
    closing.resolve();
    return closed ??= server.close();
  };
  return {
    authority: server.authority,
    pending,
    answers,
    drained: drained.promise,
    stopListening() {
      close();
    },
    [Symbol.asyncDispose]: close,
  };
}

function _head(status: number, headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  return `HTTP/1.1 ${status} X\r\n${lines.join("")}\r\n`;
}

function _answer(
  conn: Deno.Conn,
  status: number,
  headers: Record<string, string>,
  body: string,
): Promise<void> {
  const length = new TextEncoder().encode(body).byteLength;
  return write(
    conn,
    _head(status, { ...headers, "content-length": String(length) }) + body,
  );
}
