/**
 * The errors the build throws, each with a stable `name` and a message that
 * says what to do.
 *
 * @module
 */

import { LambdaRuntimeError } from "@rtl/lambda/runtime";

/**
 * Base class of the build's errors.
 *
 * @example
 * ```ts
 * import { BuildError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new BuildError("x").name, "BuildError");
 * ```
 */
export class BuildError extends LambdaRuntimeError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BuildError";
  }
}

/**
 * The command line is malformed (unknown option, unknown permission flag).
 *
 * @example
 * ```ts
 * import { UsageError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new UsageError("x").name, "UsageError");
 * ```
 */
export class UsageError extends BuildError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/**
 * A target that is neither arm64 nor x64 (Lambda's two architectures).
 *
 * @example
 * ```ts
 * import { UnknownTargetError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new UnknownTargetError("riscv");
 * assert.equal(error.name, "UnknownTargetError");
 * assert.equal(error.target, "riscv");
 * ```
 */
export class UnknownTargetError extends BuildError {
  /** The target as given. */
  readonly target: string;
  /** Creates the error. */
  constructor(target: string, options?: ErrorOptions) {
    super(
      `unknown target "${target}": Lambda runs arm64 (aarch64) and x64 (x86_64); ` +
        `use --target arm64 or --target x64`,
      options,
    );
    this.name = "UnknownTargetError";
    this.target = target;
  }
}

/**
 * The entry file does not exist or is not a file.
 *
 * @example
 * ```ts
 * import { EntryNotFoundError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new EntryNotFoundError("main.ts").entry, "main.ts");
 * ```
 */
export class EntryNotFoundError extends BuildError {
  /** The entry as given. */
  readonly entry: string;
  /** Creates the error. */
  constructor(entry: string, options?: ErrorOptions) {
    super(
      `entry file ${entry} not found: pass the module that calls run(), ` +
        `e.g. build.ts main.ts`,
      options,
    );
    this.name = "EntryNotFoundError";
    this.entry = entry;
  }
}

/**
 * `deno check` rejected the entry; `diagnostics` holds its output.
 *
 * @example
 * ```ts
 * import { TypeCheckError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new TypeCheckError("main.ts", "TS2322 [ERROR]: …");
 * assert.equal(error.name, "TypeCheckError");
 * assert.match(error.message, /TS2322/);
 * ```
 */
export class TypeCheckError extends BuildError {
  /** The entry as given. */
  readonly entry: string;
  /** What `deno check` printed. */
  readonly diagnostics: string;
  /** Creates the error. */
  constructor(entry: string, diagnostics: string, options?: ErrorOptions) {
    super(
      `${entry} does not type-check, so nothing was built:\n${diagnostics.trim()}`,
      options,
    );
    this.name = "TypeCheckError";
    this.entry = entry;
    this.diagnostics = diagnostics;
  }
}

/**
 * The output directory cannot be created or written.
 *
 * @example
 * ```ts
 * import { OutputNotWritableError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new OutputNotWritableError("/dist", "read-only").path, "/dist");
 * ```
 */
export class OutputNotWritableError extends BuildError {
  /** The directory that could not be written. */
  readonly path: string;
  /** Creates the error. */
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(
      `cannot write the output to ${path} (${reason}): choose another --out, ` +
        `or grant write access to it (the "build" permission set allows dist and /tmp)`,
      options,
    );
    this.name = "OutputNotWritableError";
    this.path = path;
  }
}

/**
 * `deno compile` could not get its `denort` base binary for the target.
 *
 * @example
 * ```ts
 * import { DenortUnavailableError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new DenortUnavailableError("aarch64-unknown-linux-gnu", "2.9.6", "dns error");
 * assert.match(error.message, /DENORT_BIN/);
 * assert.match(error.message, /--portable/);
 * ```
 */
export class DenortUnavailableError extends BuildError {
  /** The target triple whose denort was missing. */
  readonly triple: string;
  /** Creates the error. */
  constructor(
    triple: string,
    version: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `deno compile could not download its denort base binary for ${triple} ` +
        `(${detail}). Either set DENORT_BIN to a denort ${version} binary for ${triple} ` +
        `(unpacked from denort-${triple}.zip of Deno's v${version} release), ` +
        `or build with --portable, which needs no denort.`,
      options,
    );
    this.name = "DenortUnavailableError";
    this.triple = triple;
  }
}

/**
 * The Deno CLI binary for the target could not be fetched (portable mode).
 *
 * @example
 * ```ts
 * import { DenoBinaryUnavailableError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new DenoBinaryUnavailableError("x").name, "DenoBinaryUnavailableError");
 * ```
 */
export class DenoBinaryUnavailableError extends BuildError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DenoBinaryUnavailableError";
  }
}

/**
 * A step run as a process (`deno bundle`, `deno compile`, `npm pack`) failed;
 * `output` holds what it printed.
 *
 * @example
 * ```ts
 * import { StepFailedError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new StepFailedError("bundle", 1, "error: …");
 * assert.equal(error.step, "bundle");
 * assert.equal(error.code, 1);
 * ```
 */
export class StepFailedError extends BuildError {
  /** The step's name. */
  readonly step: string;
  /** The process's exit code. */
  readonly code: number;
  /** What the process printed on stderr. */
  readonly output: string;
  /** Creates the error. */
  constructor(
    step: string,
    code: number,
    output: string,
    options?: ErrorOptions,
  ) {
    super(`${step} failed (exit code ${code}):\n${output.trim()}`, options);
    this.name = "StepFailedError";
    this.step = step;
    this.code = code;
    this.output = output;
  }
}

/**
 * Deno refused the function's permission flags (an unknown descriptor such
 * as `--allow-sys=ca`); the message carries Deno's own words.
 *
 * @example
 * ```ts
 * import { InvalidPermissionError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new InvalidPermissionError(["--allow-sys=ca"], "unknown sys descriptor");
 * assert.equal(error.name, "InvalidPermissionError");
 * ```
 */
export class InvalidPermissionError extends BuildError {
  /** The flags Deno was started with. */
  readonly flags: readonly string[];
  /** Creates the error. */
  constructor(
    flags: readonly string[],
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `Deno does not accept the function's permissions: ${reason.trim()}. Fix the --allow-* flag or the "permissions.lambda" set in the function's deno.json.`,
      options,
    );
    this.name = "InvalidPermissionError";
    this.flags = flags;
  }
}
