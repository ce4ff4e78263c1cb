/**
 * The function's own permission declaration: the `lambda` permission set in
 * the `deno.json` nearest its entry, which the build bakes in and the
 * emulator applies, so a function runs locally with what it gets deployed.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { PermissionDeclarationError } from "./errors.ts";
import { DECLARATION_SET, type PermissionDeclaration } from "./declaration.ts";

/** A declaration and the file it came from. */
export interface FoundDeclaration {
  /** The `deno.json` that holds it. */
  file: string;
  /** Its `permissions.lambda` set. */
  declaration: PermissionDeclaration;
}

/**
 * Reads `permissions.lambda` from the first `deno.json` found from the
 * entry's folder upwards; undefined when that file has none. Throws
 * {@linkcode PermissionDeclarationError} for a malformed file or set.
 *
 * @example
 * ```ts ignore
 * import { findDeclaration } from "./find_declaration.ts";
 *
 * console.log((await findDeclaration("examples/aws_sdk/main.ts"))?.declaration);
 * ```
 */
export async function findDeclaration(
  entry: string,
): Promise<FoundDeclaration | undefined> {
  let directory = dirname(resolve(entry));
  while (true) {
    const file = join(directory, "deno.json");
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(file);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (text !== undefined) return _parse(file, text);
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

function _parse(file: string, text: string): FoundDeclaration | undefined {
  let config: { permissions?: Record<string, unknown> };
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new PermissionDeclarationError(
      `${file} is not valid JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const set = config.permissions?.[DECLARATION_SET];
  if (set === undefined) return undefined;
  if (typeof set !== "object" || set === null || Array.isArray(set)) {
    throw new PermissionDeclarationError(
      `${file}: permissions.${DECLARATION_SET} must be an object like { "env": ["TABLE"] }`,
    );
  }
  const declaration: Record<string, true | string[]> = {};
  for (const [kind, value] of Object.entries(set)) {
    if (
      value === true ||
      (Array.isArray(value) && value.every((v) => typeof v === "string"))
    ) {
      declaration[kind] = value;
    } else if (value !== false) {
      throw new PermissionDeclarationError(
        `${file}: permissions.${DECLARATION_SET}.${kind} must be true or a list of strings`,
      );
    }
  }
  return { file, declaration };
}
