// Options resolved once: every seam with its default, the one value every step of the loop reads.
import { decodeJson, respondJson } from "./codec.ts";
import { type ContextFactory, createContext } from "./context.ts";
import type { LambdaEnvironment } from "./environment.ts";
import type { ErrorFormatter, ErrorReport } from "./errors.ts";
import { applyLayers, type Layer } from "./layer.ts";
import { type Logger, stderrLogger } from "./logger.ts";
import { type RuntimeApi, runtimeApiOver, USER_AGENT } from "./runtime_api.ts";
import { type Channel, openChannel } from "./_client.ts";
import { safeReport } from "./_report.ts";
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
  /** The formatter given, wrapped in the layers' ones, if any. */
  readonly formatError: ErrorFormatter | undefined;
  /** `formatError`'s report of a thrown value, checked: the default formatter's when it gives a malformed one. */
  readonly errorReport: (thrown: unknown) => ErrorReport;
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

/**
 * Resolves `options` once over the configuration read once, wrapped in
 * `layers` (the first outermost): the Runtime API channel is opened once, shared by the client and the layers that send over it.
 */
export function resolveOptions(
  options: RunOptions,
  environment: LambdaEnvironment,
  layers: readonly Layer[] = [],
): Resolved {
  const host = environment.runtimeApi;
  const timeout = environment.functionTimeoutSeconds;
  const channel: Channel | undefined = options.runtimeApi === undefined
    ? openChannel(host, options.transport)
    : undefined;
  const given = options.runtimeApi ??
    runtimeApiOver(channel!, host, USER_AGENT);
  const { scope, api, formatError } = applyLayers(
    {
      scope: options.scope,
      api: options.extendRuntimeApi?.(given, host) ?? given,
      formatError: options.formatError,
    },
    layers,
    environment,
    channel,
  );
  return Object.freeze({
    environment,
    api,
    logger: options.logger ?? stderrLogger,
    formatError,
    errorReport: (thrown: unknown) => safeReport(formatError, thrown),
    createContext: options.createContext ?? createContext,
    decode: options.decode ?? decodeJson,
    respond: options.respond ?? respondJson,
    scope,
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
