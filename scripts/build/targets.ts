/**
 * Lambda's two architectures, and how each is named by Deno, Lambda, npm
 * and the ELF header.
 *
 * @module
 */

import { UnknownTargetError } from "./errors.ts";

/**
 * One architecture the build can produce.
 *
 * @example
 * ```ts
 * import { resolveTarget } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * const target = resolveTarget("aarch64");
 * assert.equal(target.lambdaArchitecture, "arm64");
 * ```
 */
export interface Target {
  /** The short name, also the output folder: `x64` or `arm64`. */
  readonly arch: "x64" | "arm64";
  /** `deno compile --target`: `x86_64-unknown-linux-gnu` or `aarch64-unknown-linux-gnu`. */
  readonly triple: "x86_64-unknown-linux-gnu" | "aarch64-unknown-linux-gnu";
  /** `aws lambda create-function --architectures`: `x86_64` or `arm64`. */
  readonly lambdaArchitecture: "x86_64" | "arm64";
  /** `Deno.build.arch` on that architecture. */
  readonly denoArch: "x86_64" | "aarch64";
  /** The npm package holding the Deno CLI binary for it. */
  readonly npmPackage: "@deno/linux-x64-glibc" | "@deno/linux-arm64-glibc";
  /** The ELF header's `e_machine`: 62 (x86-64) or 183 (AArch64). */
  readonly elfMachine: 62 | 183;
}

/**
 * The targets by short name.
 *
 * @example
 * ```ts
 * import { TARGETS } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(TARGETS.x64.triple, "x86_64-unknown-linux-gnu");
 * ```
 */
export const TARGETS: Readonly<Record<"x64" | "arm64", Target>> = {
  x64: {
    arch: "x64",
    triple: "x86_64-unknown-linux-gnu",
    lambdaArchitecture: "x86_64",
    denoArch: "x86_64",
    npmPackage: "@deno/linux-x64-glibc",
    elfMachine: 62,
  },
  arm64: {
    arch: "arm64",
    triple: "aarch64-unknown-linux-gnu",
    lambdaArchitecture: "arm64",
    denoArch: "aarch64",
    npmPackage: "@deno/linux-arm64-glibc",
    elfMachine: 183,
  },
};

/**
 * Finds a target by any of its usual names: `arm64`, `aarch64`,
 * `aarch64-unknown-linux-gnu`, `x64`, `x86_64`, `amd64`,
 * `x86_64-unknown-linux-gnu`. Throws {@linkcode UnknownTargetError}
 * otherwise.
 *
 * @example
 * ```ts
 * import { resolveTarget } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(resolveTarget("x86_64").arch, "x64");
 * assert.throws(() => resolveTarget("riscv64"), { name: "UnknownTargetError" });
 * ```
 */
export function resolveTarget(name: string): Target {
  const key = name.trim().toLowerCase();
  for (const target of Object.values(TARGETS)) {
    if (
      key === target.arch || key === target.triple ||
      key === target.lambdaArchitecture || key === target.denoArch
    ) return target;
  }
  if (key === "amd64") return TARGETS.x64;
  throw new UnknownTargetError(name);
}

/**
 * The ELF `e_machine` of a 64-bit little-endian executable's first bytes,
 * or undefined when they are not one (a script, a shim, a truncated file).
 *
 * @example
 * ```ts
 * import { elfMachine } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(elfMachine(new TextEncoder().encode("#!/bin/sh\n")), undefined);
 * ```
 */
export function elfMachine(head: Uint8Array): number | undefined {
  if (
    head.length < 20 || head[0] !== 0x7f || head[1] !== 0x45 ||
    head[2] !== 0x4c || head[3] !== 0x46 || head[4] !== 2 || head[5] !== 1
  ) return undefined;
  return head[18] | (head[19] << 8);
}

/**
 * Whether the file at `path` is an ELF executable for `target`.
 *
 * @example
 * ```ts ignore
 * import { isExecutableFor, TARGETS } from "./targets.ts";
 *
 * console.log(await isExecutableFor(Deno.execPath(), TARGETS.x64));
 * ```
 */
export async function isExecutableFor(
  path: string,
  target: Target,
): Promise<boolean> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path);
    const head = new Uint8Array(20);
    let read = 0;
    while (read < head.length) {
      const n = await file.read(head.subarray(read));
      if (n === null) break;
      read += n;
    }
    return elfMachine(head.subarray(0, read)) === target.elfMachine;
  } catch {
    return false;
  } finally {
    file?.close();
  }
}
