// An in-memory RuntimeApi that hands out queued events and records what the loop sends back.
import type { ErrorReport, Invocation, RuntimeApi } from "../src/runtime.ts";
import type { LambdaEnvironment } from "../src/runtime.ts";

export interface Sent {
  kind: "response" | "error";
  id: string;
  body: string;
  report?: ErrorReport;
  headers?: Record<string, string>;
}

export interface FakeApi extends RuntimeApi {
  readonly sent: Sent[];
  /** Resolves when `count` outcomes were sent. */
  sentCount(count: number): Promise<void>;
}

export function invocation(
  body: string,
  id: string = crypto.randomUUID(),
  headers: Record<string, string> = {},
  deadlineMs = Date.now() + 5000,
): Invocation {
  return {
    requestId: id,
    deadlineMs,
    invocationId: headers["lambda-runtime-invocation-id"],
    headers: new Headers(headers),
    body,
  };
}

/** `respondWith` lets a test make `respond` fail (a RuntimeApiError, say). */
export function fakeApi(
  queue: (Invocation | Error)[],
  respondWith?: (invocation: Invocation, body: string) => Promise<void>,
): FakeApi {
  const sent: Sent[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  function record(entry: Sent) {
    sent.push(entry);
    for (const waiter of waiters) {
      if (sent.length >= waiter.count) waiter.resolve();
    }
  }
  return {
    sent,
    sentCount(count) {
      if (sent.length >= count) return Promise.resolve();
      const { promise, resolve } = Promise.withResolvers<void>();
      waiters.push({ count, resolve });
      return promise;
    },
    next(signal) {
      const item = queue.shift();
      if (item instanceof Error) return Promise.reject(item);
      if (item !== undefined) return Promise.resolve(item);
      // Nothing left: wait like the long poll does, until the loop is stopped.
      return new Promise((_, reject) => {
        signal?.addEventListener("abort", () => reject(signal.reason), {
          once: true,
        });
      });
    },
    async respond(inv, body) {
      const text = typeof body === "string"
        ? body
        : new TextDecoder().decode(body);
      if (respondWith) await respondWith(inv, text);
      record({ kind: "response", id: inv.requestId, body: text });
    },
    fail(inv, report, options) {
      record({
        kind: "error",
        id: inv.requestId,
        body: JSON.stringify(report),
        report,
        headers: options?.headers,
      });
      return Promise.resolve();
    },
    failInit() {
      return Promise.resolve();
    },
  };
}

export const environment: LambdaEnvironment = {
  runtimeApi: "127.0.0.1:1",
  functionName: "test-fn",
  functionVersion: "$LATEST",
  memorySizeMB: 256,
  logGroupName: "/aws/lambda/test-fn",
  logStreamName: "stream",
  region: "eu-west-1",
  handler: "",
  taskRoot: "",
  initializationType: "on-demand",
  maxConcurrency: 1,
  logFormat: "Text",
  logLevel: "",
};

/** A logger that keeps lines instead of writing them. */
export function memoryLogger():
  & { lines: string[] }
  & import("../src/runtime.ts").Logger {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
  };
  return {
    lines,
    trace: at("TRACE"),
    debug: at("DEBUG"),
    info: at("INFO"),
    warn: at("WARN"),
    error: at("ERROR"),
    fatal: at("FATAL"),
  };
}
