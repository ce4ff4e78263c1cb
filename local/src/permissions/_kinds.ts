// The permission kinds Deno knows, in the order flags are written.

import type { PermissionKind } from "./declaration.ts";

export const KINDS: readonly PermissionKind[] = [
  "net",
  "env",
  "sys",
  "read",
  "write",
  "run",
  "ffi",
  "import",
];

export function isKind(kind: string): kind is PermissionKind {
  return (KINDS as readonly string[]).includes(kind);
}
