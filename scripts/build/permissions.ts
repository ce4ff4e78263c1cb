/**
 * The permission flags a built function runs with: least privilege by
 * default (enough for the AWS SDK), widened by the function's own
 * declaration (`permissions.lambda` in the `deno.json` beside its entry) and
 * by `--allow-*` flags.
 *
 * @module
 */

import { ENVIRONMENT_VARIABLES } from "../../src/core/environment.ts";
import { UsageError } from "./errors.ts";

/**
 * The host the function may reach by default: the Runtime API. Lambda sets
 * `AWS_LAMBDA_RUNTIME_API` to `127.0.0.1:9001`, but only at run time and
 * without documenting the port, and the emulator picks its own port, so the
 * whole loopback address is allowed rather than one port.
 *
 * @example
 * ```ts
 * import { RUNTIME_API_HOST } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(RUNTIME_API_HOST, "127.0.0.1");
 * ```
 */
export const RUNTIME_API_HOST: string = "127.0.0.1";

/**
 * A function's permissions in the shape of a Deno permission set: per
 * kind, `true` for everything or a list of values.
 *
 * @example
 * ```ts
 * import type { PermissionDeclaration } from "./permissions.ts";
 *
 * const declaration: PermissionDeclaration = { env: ["TABLE"], net: ["api.example.com"] };
 * ```
 */
export type PermissionDeclaration = Partial<
  Record<PermissionKind, true | readonly string[]>
>;

/**
 * The permission kinds Deno knows.
 *
 * @example
 * ```ts
 * import type { PermissionKind } from "./permissions.ts";
 *
 * const kind: PermissionKind = "env";
 * ```
 */
export type PermissionKind =
  | "net"
  | "env"
  | "sys"
  | "read"
  | "write"
  | "run"
  | "ffi"
  | "import";

const _KINDS: readonly PermissionKind[] = [
  "net",
  "env",
  "sys",
  "read",
  "write",
  "run",
  "ffi",
  "import",
];

/**
 * What every function gets: the Runtime API host and AWS's endpoints; the
 * variables Lambda sets (`AWS_*`, `_X_AMZN_TRACE_ID`, `_HANDLER`, `LAMBDA_*`,
 * `TZ`, `LANG`, `PATH`) and the home variables the AWS SDK destructures;
 * `osRelease` for the SDK's user agent and `uid`, `homedir` for its home lookup without `HOME`; `/tmp` to read and write and the task
 * root to read. Nothing else: no other file, host, variable or subprocess.
 *
 * @example
 * ```ts
 * import { DEFAULT_PERMISSIONS } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok((DEFAULT_PERMISSIONS.env as string[]).includes("AWS_*"));
 * ```
 */
export const DEFAULT_PERMISSIONS: PermissionDeclaration = {
  net: [RUNTIME_API_HOST, "*.amazonaws.com"],
  env: [
    "AWS_*",
    ...ENVIRONMENT_VARIABLES.filter((name) => !name.startsWith("AWS_")),
    "LAMBDA_RUNTIME_DIR",
    "TZ",
    "LANG",
    "PATH",
    "HOME",
    "USERPROFILE",
    "HOMEPATH",
    "HOMEDRIVE",
  ],
  sys: ["osRelease", "uid", "homedir"],
  read: ["/var/task", "/tmp"],
  write: ["/tmp"],
};

/**
 * The name of the permission set in a function's `deno.json` that the
 * build bakes in and the emulator applies.
 *
 * @example
 * ```ts
 * import { DECLARATION_SET } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DECLARATION_SET, "lambda");
 * ```
 */
export const DECLARATION_SET: string = "lambda";

/**
 * Whether a command-line argument is a permission flag the build passes on
 * to the function (`--allow-net=example.com`, `--allow-read`, `-A`…).
 *
 * @example
 * ```ts
 * import { isPermissionFlag } from "./permissions.ts";
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
 * import type { PermissionFlagsOptions } from "./permissions.ts";
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
 * `--allow-all`/`-A` replaces all of them. Throws {@linkcode UsageError} for
 * a flag or kind Deno does not know.
 *
 * @example
 * ```ts
 * import { permissionFlags } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * const flags = permissionFlags(["--allow-net=api.example.com"], { declaration: { env: ["TABLE"] } });
 * assert.equal(flags[0], "--allow-net=127.0.0.1,*.amazonaws.com,api.example.com");
 * assert.match(flags[1], /^--allow-env=AWS_\*,.*,TABLE$/);
 * ```
 */
export function permissionFlags(
  extra: readonly string[] = [],
  options: PermissionFlagsOptions = {},
): string[] {
  const lists = new Map<string, string[] | true>();
  const add = (kind: string, values: true | readonly string[]) => {
    if (!(_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(
        `unknown permission kind ${kind}: use ${_KINDS.join(", ")}`,
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
    if (!match || !(_KINDS as readonly string[]).includes(match[1])) {
      throw new UsageError(
        `unknown permission flag ${flag}: use --allow-${
          _KINDS.join("|--allow-")
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
  return _KINDS.filter((kind) => lists.has(kind)).map((kind) => {
    const list = lists.get(kind)!;
    return list === true
      ? `--allow-${kind}`
      : `--allow-${kind}=${list.join(",")}`;
  });
}
