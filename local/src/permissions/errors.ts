/**
 * The error the permission model throws, with a stable `name` and a message
 * that says what to fix.
 *
 * @module
 */

import { LambdaRuntimeError } from "@rtl/lambda/runtime";

/**
 * A permission declaration Deno cannot be given: an unknown kind or
 * `--allow-*` flag, or a `deno.json` whose `permissions.lambda` set is
 * malformed. The build and the emulator both report it as a usage error.
 *
 * @example
 * ```ts
 * import { PermissionDeclarationError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new PermissionDeclarationError("x").name, "PermissionDeclarationError");
 * ```
 */
export class PermissionDeclarationError extends LambdaRuntimeError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PermissionDeclarationError";
  }
}
