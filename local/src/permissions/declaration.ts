/**
 * A function's permission declaration: its shape (a Deno permission set),
 * the least-privilege defaults every function gets (enough for the AWS SDK)
 * and the name of the set in its `deno.json` that widens them.
 *
 * @module
 */

import { ENVIRONMENT_VARIABLES } from "@rtl/lambda/runtime";
import {
  OTEL_ENDPOINT_GRANT,
  RUNTIME_API_GRANT,
  XRAY_DAEMON_GRANT,
} from "./grants.ts";

/**
 * The Runtime API's host where its port cannot be read at start: a
 * compiled binary bakes its grants in, so it gets the whole loopback
 * address. A bootstrap script or the emulator grants the one
 * `$AWS_LAMBDA_RUNTIME_API` address instead ({@linkcode RUNTIME_API_GRANT}).
 *
 * @example
 * ```ts
 * import { RUNTIME_API_HOST } from "./declaration.ts";
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
 * import type { PermissionDeclaration } from "./declaration.ts";
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
 * import type { PermissionKind } from "./declaration.ts";
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

/**
 * What every function gets: its Runtime API's `host:port` and the X-Ray
 * daemon's, read from its environment at start, and AWS's endpoints; the
 * variables Lambda sets (`AWS_*`, `_X_AMZN_TRACE_ID`, `_HANDLER`, `LAMBDA_*`,
 * `TZ`, `LANG`, `PATH`) and the home variables the AWS SDK destructures;
 * `osRelease` for the SDK's user agent and `uid`, `homedir` for its home lookup without `HOME`; `/tmp` to read and write and the task
 * root to read. Nothing else: no other file, host, variable or subprocess.
 *
 * @example
 * ```ts
 * import { DEFAULT_PERMISSIONS } from "./declaration.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok((DEFAULT_PERMISSIONS.env as string[]).includes("AWS_*"));
 * ```
 */
export const DEFAULT_PERMISSIONS: PermissionDeclaration = {
  net: [
    RUNTIME_API_GRANT,
    XRAY_DAEMON_GRANT,
    OTEL_ENDPOINT_GRANT,
    "*.amazonaws.com",
  ],
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
 * import { DECLARATION_SET } from "./declaration.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DECLARATION_SET, "lambda");
 * ```
 */
export const DECLARATION_SET: string = "lambda";
