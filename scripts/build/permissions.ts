/**
 * The permission flags a built function runs with: least privilege by
 * default, widened by the user's own `--allow-*` flags.
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

const _KINDS = [
  "read",
  "write",
  "net",
  "env",
  "sys",
  "run",
  "ffi",
  "import",
] as const;

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
 * The function's permission flags: `--allow-net=127.0.0.1` and
 * `--allow-env=` the variables the runtime reads (`ENVIRONMENT_VARIABLES`),
 * merged with `extra`. A list given for `net` or `env` is added to the
 * default; a bare `--allow-net` or `--allow-env` replaces it with
 * everything; `--allow-all`/`-A` replaces all of them. Throws
 * {@linkcode UsageError} for a flag Deno does not know.
 *
 * @example
 * ```ts
 * import { permissionFlags } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * const flags = permissionFlags(["--allow-net=api.example.com", "--allow-env=TABLE", "--allow-read=/var/task"]);
 * assert.equal(flags[0], "--allow-net=127.0.0.1,api.example.com");
 * assert.match(flags[1], /^--allow-env=AWS_LAMBDA_RUNTIME_API,.*,TABLE$/);
 * assert.equal(flags[2], "--allow-read=/var/task");
 * ```
 */
export function permissionFlags(extra: readonly string[] = []): string[] {
  const lists = new Map<string, string[] | true>([
    ["net", [RUNTIME_API_HOST]],
    ["env", [...ENVIRONMENT_VARIABLES]],
  ]);
  for (const flag of extra) {
    if (flag === "-A" || flag === "--allow-all") return ["--allow-all"];
    const match = /^--allow-([a-z]+)(?:=(.*))?$/.exec(flag);
    const kind = match?.[1] as (typeof _KINDS)[number] | undefined;
    if (!match || !kind || !_KINDS.includes(kind)) {
      throw new UsageError(
        `unknown permission flag ${flag}: use --allow-${
          _KINDS.join("|--allow-")
        }, ` +
          `with or without =list`,
      );
    }
    const current = lists.get(kind);
    if (match[2] === undefined || current === true) {
      lists.set(kind, true);
      continue;
    }
    const values = match[2].split(",").map((value) => value.trim()).filter(
      Boolean,
    );
    const merged = current ?? [];
    for (const value of values) if (!merged.includes(value)) merged.push(value);
    lists.set(kind, merged);
  }
  return [...lists].map(([kind, list]) =>
    list === true ? `--allow-${kind}` : `--allow-${kind}=${list.join(",")}`
  );
}
