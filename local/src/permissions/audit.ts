/**
 * Turns Deno's permission audit (`DENO_AUDIT_PERMISSIONS=<file>`, one JSON
 * line per check) into the `permissions.lambda` declaration a function
 * needs beyond {@linkcode DEFAULT_PERMISSIONS}.
 *
 * @module
 */

import {
  DEFAULT_PERMISSIONS,
  type PermissionDeclaration,
  RUNTIME_API_HOST,
} from "./declaration.ts";
import { RUNTIME_API_GRANT } from "./grants.ts";

/**
 * The declaration for what the audit lines show, without what the defaults
 * already grant; kinds sorted, values sorted and unique.
 *
 * @example
 * ```ts
 * import { auditedDeclaration } from "./audit.ts";
 * import assert from "node:assert/strict";
 *
 * const lines = [
 *   '{"v":1,"permission":"env","value":"TABLE"}',
 *   '{"v":1,"permission":"env","value":"AWS_REGION"}',
 *   '{"v":1,"permission":"net","value":"https://api.example.com/x"}',
 * ].join("\n");
 * assert.deepEqual(auditedDeclaration(lines), { env: ["TABLE"], net: ["api.example.com"] });
 * ```
 */
export function auditedDeclaration(
  lines: string,
  defaults: PermissionDeclaration = DEFAULT_PERMISSIONS,
): PermissionDeclaration {
  const found = new Map<string, Set<string>>();
  for (const line of lines.split("\n")) {
    if (!line.trim()) continue;
    let check: { permission?: string; value?: string | null };
    try {
      check = JSON.parse(line);
    } catch {
      continue;
    }
    const kind = check.permission;
    if (!kind) continue;
    const value = kind === "net" && check.value
      ? _host(check.value)
      : check.value ?? undefined;
    const granted = defaults[kind as keyof PermissionDeclaration];
    if (granted === true) continue;
    if (value !== undefined && granted && _covered(kind, value, granted)) {
      continue;
    }
    const values = found.get(kind) ?? new Set();
    if (value !== undefined) values.add(value);
    found.set(kind, values);
  }
  const declaration: Record<string, true | string[]> = {};
  for (const kind of [...found.keys()].sort()) {
    const values = [...found.get(kind)!].sort();
    declaration[kind] = values.length ? values : true;
  }
  return declaration;
}

function _host(value: string): string {
  try {
    return new URL(value).hostname;
  } catch {
    // host:port
    return value.replace(/:\d+$/, "");
  }
}

function _covered(
  kind: string,
  value: string,
  granted: readonly string[],
): boolean {
  return granted.some((grant) => {
    if (kind === "read" || kind === "write") {
      return value === grant || value.startsWith(`${grant}/`);
    }
    // The audit sees hosts without ports: the Runtime API's grant covers its host.
    if (grant === RUNTIME_API_GRANT) return value === RUNTIME_API_HOST;
    if (grant.endsWith("*")) return value.startsWith(grant.slice(0, -1));
    if (grant.startsWith("*.")) return value.endsWith(grant.slice(1));
    return value === grant;
  });
}
