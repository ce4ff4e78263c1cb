/**
 * The reserved Lambda environment variables, read once, typed and validated.
 *
 * @module
 */

import { EnvironmentError } from "./errors.ts";

/**
 * Where variables come from: `Deno.env` by default, or a plain object in
 * tests and custom runtimes.
 *
 * @example
 * ```ts
 * import type { EnvironmentSource } from "@rtl/lambda/runtime";
 *
 * const fromObject: EnvironmentSource = { AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" };
 * const fromDeno: EnvironmentSource = Deno.env;
 * ```
 */
export type EnvironmentSource =
  | { get(key: string): string | undefined }
  | Readonly<Record<string, string | undefined>>;

/**
 * The reserved variables Lambda sets for a custom runtime, typed.
 *
 * @example
 * ```ts
 * import { readEnvironment } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * const env = readEnvironment({ AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" });
 * assert.equal(env.memorySizeMB, 128);
 * ```
 */
export interface LambdaEnvironment {
  /** `AWS_LAMBDA_RUNTIME_API`: `host:port` of the Runtime API. */
  readonly runtimeApi: string;
  /** `AWS_LAMBDA_FUNCTION_NAME`. */
  readonly functionName: string;
  /** `AWS_LAMBDA_FUNCTION_VERSION`, `$LATEST` when unset. */
  readonly functionVersion: string;
  /** `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` in MB, 128 when unset. */
  readonly memorySizeMB: number;
  /** `AWS_LAMBDA_LOG_GROUP_NAME`. */
  readonly logGroupName: string;
  /** `AWS_LAMBDA_LOG_STREAM_NAME`. */
  readonly logStreamName: string;
  /** `AWS_REGION` (or `AWS_DEFAULT_REGION`). */
  readonly region: string;
  /** `_HANDLER`, the handler setting of the function, if any. */
  readonly handler: string;
  /** `LAMBDA_TASK_ROOT`, where the function's code lies. */
  readonly taskRoot: string;
  /** `AWS_LAMBDA_INITIALIZATION_TYPE`: `on-demand`, `provisioned-concurrency`, `snap-start` or `lambda-managed-instances`. */
  readonly initializationType: string;
  /** `AWS_LAMBDA_MAX_CONCURRENCY`: invocations one process serves at once, 1 when unset. */
  readonly maxConcurrency: number;
  /** `AWS_LAMBDA_LOG_FORMAT`: `Text` (default) or `JSON`. */
  readonly logFormat: "Text" | "JSON";
  /** `AWS_LAMBDA_LOG_LEVEL`, upper case, empty when unset. */
  readonly logLevel: string;
  /** `AWS_LAMBDA_FUNCTION_TIMEOUT`: the function's timeout in seconds, when set; no invocation's deadline is later. */
  readonly functionTimeoutSeconds?: number;
  /** OpenTelemetry's settings, present only when `OTEL_DENO` is `true` (Deno's built-in OpenTelemetry is on). */
  readonly otel?: OtelSettings;
  /** `AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA` is `1` or `true`: `run()` leaves `globalThis.awslambda` alone, as Node's runtime does. */
  readonly noGlobalAwsLambda?: boolean;
  /** `AWS_EXECUTION_ENV`, when Lambda set it (its managed runtimes do; `provided.al2023` does not). */
  readonly executionEnv?: string;
}

/**
 * The configuration read once, and why it cannot run when it cannot: the
 * `environment` then holds the defaults for what was missing or malformed,
 * so that logging is still configured from what was read.
 */
export interface EnvironmentReading {
  /** Every variable, read once; defaults where one is missing or malformed. */
  readonly environment: LambdaEnvironment;
  /** What {@linkcode readEnvironment} would throw; `undefined` when the configuration is valid. */
  readonly error: EnvironmentError | undefined;
}

/**
 * What the OpenTelemetry layer reads, when `OTEL_DENO=true`.
 *
 * @example
 * ```ts
 * import type { OtelSettings } from "@rtl/lambda/runtime";
 *
 * const settings: OtelSettings = {
 *   endpoint: "http://localhost:4318",
 *   propagators: undefined,
 *   flushMs: 5,
 * };
 * ```
 */
export interface OtelSettings {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`, `http://localhost:4318` when unset: where Deno exports. */
  readonly endpoint: string;
  /** `OTEL_PROPAGATORS`, split and lower-cased; `undefined` when unset (the X-Ray header only). */
  readonly propagators: readonly string[] | undefined;
  /** `RTL_LAMBDA_OTEL_FLUSH_MS`: how long after an invocation's span ends `/next` waits for the export, 5 when unset. */
  readonly flushMs: number;
}

/** The OTLP/HTTP endpoint OpenTelemetry's specification gives when `OTEL_EXPORTER_OTLP_ENDPOINT` is unset. */
export const DEFAULT_OTLP_ENDPOINT = "http://localhost:4318";

/** How long `/next` waits after an invocation's span ended, when `RTL_LAMBDA_OTEL_FLUSH_MS` is unset. */
export const DEFAULT_OTEL_FLUSH_MS = 5;

/**
 * The variables {@linkcode readEnvironment} reads; a compiled function needs
 * read access to each (the build grants exactly these).
 */
export const ENVIRONMENT_VARIABLES: readonly string[] = [
  "AWS_LAMBDA_RUNTIME_API",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "_HANDLER",
  "LAMBDA_TASK_ROOT",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_MAX_CONCURRENCY",
  "AWS_LAMBDA_LOG_FORMAT",
  "AWS_LAMBDA_LOG_LEVEL",
  "AWS_LAMBDA_FUNCTION_TIMEOUT",
  "AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA",
  "AWS_EXECUTION_ENV",
  "_X_AMZN_TRACE_ID",
  "OTEL_DENO",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_PROPAGATORS",
  "RTL_LAMBDA_OTEL_FLUSH_MS",
];

/**
 * Reads and validates the reserved variables, into a frozen value: the
 * runtime's one configuration (the Rust runtime's `Config::from_env`). `run()`
 * calls it once and hands the value to every step and layer. Throws an
 * {@linkcode EnvironmentError} that says what to do when
 * `AWS_LAMBDA_RUNTIME_API` is missing (the function is not running on
 * Lambda or under the emulator) or a number is malformed.
 *
 * @example
 * ```ts
 * import { readEnvironment } from "@rtl/lambda/runtime";
 * import assert from "node:assert/strict";
 *
 * const env = readEnvironment({
 *   AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
 *   AWS_LAMBDA_FUNCTION_NAME: "echo",
 *   AWS_LAMBDA_MAX_CONCURRENCY: "4",
 * });
 * assert.equal(env.functionName, "echo");
 * assert.equal(env.maxConcurrency, 4);
 * assert.throws(() => readEnvironment({}), { name: "EnvironmentError" });
 * ```
 */
export function readEnvironment(
  source: EnvironmentSource = Deno.env,
): LambdaEnvironment {
  const { environment, error } = readConfiguration(source);
  if (error !== undefined) throw error;
  return environment;
}

/**
 * Reads every variable once, as {@linkcode readEnvironment} does, but
 * returns the error beside the environment instead of throwing: how `run()`
 * still logs in the configured format before it reports a bad environment.
 */
export function readConfiguration(
  source: EnvironmentSource = Deno.env,
): EnvironmentReading {
  const get = _getter(source);
  const runtimeApi = get("AWS_LAMBDA_RUNTIME_API") ?? "";
  const problems: EnvironmentError[] = [];
  if (runtimeApi === "") {
    problems.push(
      new EnvironmentError(
        "AWS_LAMBDA_RUNTIME_API is not set, so this is not running on Lambda. " +
          "To run the function locally, start it under the emulator: " +
          "deno run --allow-net=127.0.0.1 --allow-run --allow-read --allow-env jsr:@rtl/lambda-local <entry.ts> " +
          "(in this repository: deno task emulator <entry.ts>), then invoke it " +
          'with curl -d \'{"hello":"world"}\' http://127.0.0.1:9000/2015-03-31/functions/function/invocations',
      ),
    );
  } else if (!/^[^\s/]+:\d{1,5}$/.test(runtimeApi)) {
    problems.push(
      new EnvironmentError(
        `AWS_LAMBDA_RUNTIME_API must be host:port, got "${runtimeApi}"`,
      ),
    );
  }
  // A malformed number is reported only for an API that can hear of it, as before.
  const valid = problems.length === 0 ? runtimeApi : undefined;
  const number = (key: string, fallback: number) =>
    _positiveInteger(get, key, fallback, valid, problems);
  const format = get("AWS_LAMBDA_LOG_FORMAT");
  const timeout = get("AWS_LAMBDA_FUNCTION_TIMEOUT");
  const noGlobal = get("AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA");
  const executionEnv = get("AWS_EXECUTION_ENV");
  const environment: LambdaEnvironment = Object.freeze({
    runtimeApi,
    functionName: get("AWS_LAMBDA_FUNCTION_NAME") ?? "",
    functionVersion: get("AWS_LAMBDA_FUNCTION_VERSION") ?? "$LATEST",
    memorySizeMB: number("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 128),
    logGroupName: get("AWS_LAMBDA_LOG_GROUP_NAME") ?? "",
    logStreamName: get("AWS_LAMBDA_LOG_STREAM_NAME") ?? "",
    region: get("AWS_REGION") ?? get("AWS_DEFAULT_REGION") ?? "",
    handler: get("_HANDLER") ?? "",
    taskRoot: get("LAMBDA_TASK_ROOT") ?? "",
    initializationType: get("AWS_LAMBDA_INITIALIZATION_TYPE") ?? "on-demand",
    maxConcurrency: number("AWS_LAMBDA_MAX_CONCURRENCY", 1),
    logFormat: format?.toUpperCase() === "JSON" ? "JSON" : "Text",
    logLevel: (get("AWS_LAMBDA_LOG_LEVEL") ?? "").toUpperCase(),
    // Only when set: a value without them stays equal to one written by hand.
    ...(timeout === undefined || timeout === "" ? {} : {
      functionTimeoutSeconds: number("AWS_LAMBDA_FUNCTION_TIMEOUT", 0),
    }),
    ...(noGlobal === "1" || noGlobal === "true"
      ? { noGlobalAwsLambda: true }
      : {}),
    ...(executionEnv === undefined ? {} : { executionEnv }),
    // Only when on: with OTel off the value is what it was before OTel existed.
    ...(get("OTEL_DENO")?.toLowerCase() === "true" &&
      { otel: _otelSettings(get, valid, problems) }),
  });
  return Object.freeze({ environment, error: problems[0] });
}

function _otelSettings(
  get: (key: string) => string | undefined,
  runtimeApi: string | undefined,
  problems: EnvironmentError[],
): OtelSettings {
  const propagators = get("OTEL_PROPAGATORS");
  const flush = get("RTL_LAMBDA_OTEL_FLUSH_MS");
  let flushMs = DEFAULT_OTEL_FLUSH_MS;
  if (flush !== undefined && flush !== "") {
    const value = Number(flush);
    if (Number.isInteger(value) && value >= 0) flushMs = value;
    else {
      problems.push(
        new EnvironmentError(
          `RTL_LAMBDA_OTEL_FLUSH_MS must be a whole number of milliseconds, got "${flush}"`,
          { runtimeApi },
        ),
      );
    }
  }
  return Object.freeze({
    endpoint: get("OTEL_EXPORTER_OTLP_ENDPOINT") || DEFAULT_OTLP_ENDPOINT,
    propagators: propagators === undefined || propagators.trim() === ""
      ? undefined
      : Object.freeze(
        propagators.split(",").map((name) => name.trim().toLowerCase())
          .filter(Boolean),
      ),
    flushMs,
  });
}

function _getter(
  source: EnvironmentSource,
): (key: string) => string | undefined {
  if (typeof source.get === "function") {
    const env = source as { get(key: string): string | undefined };
    // Without --allow-env for a variable, Deno.env.get throws; treat it as unset.
    return (key) => {
      try {
        return env.get(key);
      } catch {
        return undefined;
      }
    };
  }
  const record = source as Readonly<Record<string, string | undefined>>;
  return (key) => Object.hasOwn(record, key) ? record[key] : undefined;
}

function _positiveInteger(
  get: (key: string) => string | undefined,
  key: string,
  fallback: number,
  runtimeApi: string | undefined,
  problems: EnvironmentError[],
): number {
  const raw = get(key);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    problems.push(
      new EnvironmentError(
        `${key} must be a positive whole number, got "${raw}"`,
        { runtimeApi },
      ),
    );
    return fallback;
  }
  return value;
}
