// The emulator's options resolved once, with Lambda's defaults, into one frozen value the parts read.

import type { EmulatorOptions } from "./emulator.ts";

/** Lambda gives the init phase 10 seconds. */
const _INIT_LIMIT_MS = 10_000;

/** What the emulator's parts read, resolved from its options. */
export interface EmulatorSettings {
  readonly timeoutMs: number;
  readonly initLimitMs: number;
  readonly memory: number;
  readonly concurrency: number;
  readonly reservedConcurrency: number | undefined;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly hostname: string;
  readonly port: number;
  readonly region: string;
  readonly arn: string;
  readonly headersTimeoutMs: number | undefined;
}

/** Resolves `options`; throws a `TypeError` when there is no command to run. */
export function emulatorSettings(options: EmulatorOptions): EmulatorSettings {
  if (options.command.length === 0 || options.command[0] === "") {
    throw new TypeError("The emulator needs a command to run the function");
  }
  const functionName = options.functionName ?? "function";
  const region = options.env?.AWS_REGION ?? "us-east-1";
  return Object.freeze({
    timeoutMs: (options.timeout ?? 3) * 1000,
    initLimitMs: options.initTimeout === undefined
      ? _INIT_LIMIT_MS
      : options.initTimeout * 1000,
    memory: options.memory ?? 128,
    concurrency: options.concurrency ?? 1,
    reservedConcurrency: options.reservedConcurrency,
    functionName,
    functionVersion: options.functionVersion ?? "$LATEST",
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 9000,
    region,
    arn: `arn:aws:lambda:${region}:123456789012:function:${functionName}`,
    headersTimeoutMs: options.headersTimeout === undefined
      ? undefined
      : options.headersTimeout * 1000,
  });
}
