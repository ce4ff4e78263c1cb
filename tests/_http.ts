// What the HTTP adapter tests share: the recorded events in fixtures/http/, a silent logger, a real context.
import type { Context } from "../mod.ts";
import { createContext, type Logger, readEnvironment } from "../src/runtime.ts";
import {
  createHttpHandler,
  type HttpHandler,
  type HttpOptions,
} from "../src/http/mod.ts";

/** The request id of every invocation these helpers make. */
export const REQUEST_ID = "req-test";

/** A recorded event: `fixtures/http/<dir>/<name>.json`, typed as the caller reads it. */
export function loadEvent<T = Record<string, unknown>>(
  dir: string,
  name: string,
): T {
  return JSON.parse(
    Deno.readTextFileSync(
      new URL(`./fixtures/http/${dir}/${name}.json`, import.meta.url),
    ),
  );
}

/** A logger that writes nothing. */
export const quiet: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
};

/** The invocation a context is made for. */
export interface InvocationSettings {
  /** The Runtime API's headers (`lambda-runtime-invoked-function-arn`…). */
  headers?: HeadersInit;
  /** When the invocation times out; 3 s from now by default. */
  deadlineMs?: number;
}

/** Runs `run` with a real context for one invocation, disposed afterwards. */
export async function withContext<T>(
  run: (context: Context) => Promise<T>,
  settings: InvocationSettings = {},
): Promise<T> {
  const context = createContext({
    requestId: REQUEST_ID,
    deadlineMs: settings.deadlineMs ?? Date.now() + 3000,
    invocationId: undefined,
    headers: new Headers(settings.headers),
    body: "",
  }, readEnvironment({ AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" }));
  try {
    return await run(context);
  } finally {
    (context as Partial<Disposable>)[Symbol.dispose]?.();
  }
}

/** The buffered adapter run in process (quiet unless `options.logger`): its result. */
export function handle(
  event: unknown,
  handler: HttpHandler,
  options: HttpOptions = {},
  settings: InvocationSettings = {},
): Promise<Record<string, unknown>> {
  return withContext(
    async (context) =>
      await createHttpHandler(handler, { logger: quiet, ...options })(
        event,
        context,
      ) as unknown as Record<string, unknown>,
    settings,
  );
}
