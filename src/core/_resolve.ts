// Options resolved once: every seam with its default, the one value every step of the loop reads.
import { decodeJson, respondJson } from "./codec.ts";
import { type ContextFactory, createContext } from "./context.ts";
import { type LambdaEnvironment, readEnvironment } from "./environment.ts";
import type { ErrorFormatter, ErrorReport } from "./errors.ts";
import { type Logger, stderrLogger } from "./logger.ts";
import { createRuntimeApi, type RuntimeApi } from "./runtime_api.ts";
import type {
  Decoder,
  InvocationScope,
  MemoryWatch,
  Responder,
  RunOptions,
} from "./types.ts";

/** Pauses before each retry of a failed `/next`: about 1.5 s in all, then give up. */
export const NEXT_RETRY_DELAYS: readonly number[] = [50, 100, 200, 400, 800];

/** The longest a Lambda invocation may run: 15 minutes. */
export const MAX_INVOCATION_MS = 15 * 60 * 1000;

/** {@linkcode RunOptions} with every default filled in, and the configuration read. */
export interface Resolved {
  /** The configuration, read once. */
  readonly environment: LambdaEnvironment;
  readonly api: RuntimeApi;
  readonly logger: Logger;
  /** The formatter given, if any; `safeReport` falls back to the default. */
  readonly formatError: ErrorFormatter | undefined;
  readonly createContext: ContextFactory;
  readonly decode: Decoder;
  readonly respond: Responder;
  /** Wraps each handler call; `undefined` calls it bare. */
  readonly scope: InvocationScope | undefined;
  readonly concurrency: number;
  readonly signal: AbortSignal | undefined;
  readonly memoryWatch: MemoryWatch | undefined;
  readonly errorHeaders:
    | ((report: ErrorReport) => Record<string, string>)
    | undefined;
  readonly nextRetryDelays: readonly number[];
  /** The latest deadline an invocation may have, in ms from when it arrives. */
  readonly maxInvocationMs: number;
}

/** Resolves `options` once: the environment is read only when neither it nor a resolved one is given. */
export function resolveOptions(options: RunOptions): Resolved {
  const environment = options.environment ?? readEnvironment(options.env);
  const timeout = environment.functionTimeoutSeconds;
  return Object.freeze({
    environment,
    api: options.runtimeApi ?? _defaultApi(environment.runtimeApi, options),
    logger: options.logger ?? stderrLogger,
    formatError: options.formatError,
    createContext: options.createContext ?? createContext,
    decode: options.decode ?? decodeJson,
    respond: options.respond ?? respondJson,
    scope: options.scope,
    concurrency: options.concurrency ?? environment.maxConcurrency,
    signal: options.signal,
    memoryWatch: options.memoryWatch,
    errorHeaders: options.errorHeaders,
    nextRetryDelays: options.nextRetryDelays ?? NEXT_RETRY_DELAYS,
    maxInvocationMs: timeout === undefined
      ? MAX_INVOCATION_MS
      : Math.min(timeout * 1000, MAX_INVOCATION_MS),
  });
}

function _defaultApi(host: string, options: RunOptions): RuntimeApi {
  const api = createRuntimeApi(host, { transport: options.transport });
  return options.extendRuntimeApi?.(api, host) ?? api;
}
