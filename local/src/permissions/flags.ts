/**
 * Turns a function's permissions into Deno's flags: the defaults, widened by
 * its declaration and by `--allow-*` flags.
 *
 * @module
 */

import {
  DEFAULT_PERMISSIONS,
  type PermissionDeclaration,
} from "./declaration.ts";
import { PermissionDeclarationError } from "./errors.ts";
import { isKind, KINDS } from "./_kinds.ts";

/**
 * Whether a command-line argument is a permission flag the build passes on
 * to the function (`--allow-net=example.com`, `--allow-read`, `-A`…).
 *
 * @example
 * ```ts
 * import { isPermissionFlag } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isPermissionFlag("--allow-net=example.com"));
 * assert.ok(!isPermissionFlag("--target"));
 * ```
 */
export function isPermissionFlag(arg: string): boolean {
  return arg.startsWith("--allow-") || arg === "-A";
}

/**
 * Options of {@linkcode permissionFlags}.
 *
 * @example
 * ```ts
 * import type { PermissionFlagsOptions } from "./flags.ts";
 *
 * const options: PermissionFlagsOptions = { declaration: { env: ["TABLE"] } };
 * ```
 */
export interface PermissionFlagsOptions {
  /** The function's declaration, added to the defaults before the flags. */
  declaration?: PermissionDeclaration;
  /** The base to widen; default {@linkcode DEFAULT_PERMISSIONS}. */
  defaults?: PermissionDeclaration;
}

/**
 * The function's permission flags: {@linkcode DEFAULT_PERMISSIONS}, then
 * the declaration, then `extra` flags. A list is added to what is there; a
 * bare `--allow-net` (or `true`) widens that kind to everything;
 * `--allow-all`/`-A` replaces all of them. A listed env grant is followed by
 * {@linkcode IGNORE_UNGRANTED_ENV}. Throws {@linkcode PermissionDeclarationError} for
 * a flag or kind Deno does not know.
 *
 * @example
 * ```ts
 * import { permissionFlags } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * const flags = permissionFlags(["--allow-net=api.example.com"], { declaration: { env: ["TABLE"] } });
 * assert.equal(flags[0], "--allow-net=$AWS_LAMBDA_RUNTIME_API,$AWS_XRAY_DAEMON_ADDRESS,$RTL_LAMBDA_OTEL_ENDPOINT,*.amazonaws.com,api.example.com");
 * assert.match(flags[1], /^--allow-env=AWS_\*,.*,TABLE$/);
 * ```
 */
export function permissionFlags(
  extra: readonly string[] = [],
  options: PermissionFlagsOptions = {},
): string[] {
  const lists = new Map<string, string[] | true>();
  const add = (kind: string, values: true | readonly string[]) => {
    if (!isKind(kind)) {
      throw new PermissionDeclarationError(
        `unknown permission kind ${kind}: use ${KINDS.join(", ")}`,
      );
    }
    const current = lists.get(kind);
    if (values === true || current === true) {
      lists.set(kind, true);
      return;
    }
    const merged = current ?? [];
    for (const value of values) if (!merged.includes(value)) merged.push(value);
    lists.set(kind, merged);
  };
  for (
    const declaration of [
      options.defaults ?? DEFAULT_PERMISSIONS,
      options.declaration ?? {},
    ]
  ) {
    for (const [kind, values] of Object.entries(declaration)) {
      if (values !== undefined) add(kind, values);
    }
  }
  for (const flag of extra) {
    if (flag === "-A" || flag === "--allow-all") return ["--allow-all"];
    const match = /^--allow-([a-z]+)(?:=(.*))?$/.exec(flag);
    if (!match || !isKind(match[1])) {
      throw new PermissionDeclarationError(
        `unknown permission flag ${flag}: use --allow-${
          KINDS.join("|--allow-")
        }, with or without =list`,
      );
    }
    add(
      match[1],
      match[2] === undefined
        ? true
        : match[2].split(",").map((value) => value.trim()).filter(Boolean),
    );
  }
  const flags = KINDS.filter((kind) => lists.has(kind)).map((kind) => {
    const list = lists.get(kind)!;
    return list === true
      ? `--allow-${kind}`
      : `--allow-${kind}=${list.join(",")}`;
  });
  // A variable outside a listed grant reads as unset, so a library probing its own settings does not crash.
  if (Array.isArray(lists.get("env"))) flags.push(IGNORE_UNGRANTED_ENV);
  return flags;
}

/**
 * The flag {@linkcode permissionFlags} adds after a listed env grant: a read
 * of a variable outside the grant answers `undefined` instead of throwing
 * (`Deno.env.toObject()` and `process.env` hold only the granted ones), and
 * `DENO_AUDIT_PERMISSIONS` still lists the read.
 *
 * @example
 * ```ts
 * import { IGNORE_UNGRANTED_ENV, permissionFlags } from "./flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(permissionFlags().at(-1), IGNORE_UNGRANTED_ENV);
 * assert.ok(!permissionFlags(["--allow-env"]).includes(IGNORE_UNGRANTED_ENV));
 * ```
 */
export const IGNORE_UNGRANTED_ENV = "--ignore-env";
