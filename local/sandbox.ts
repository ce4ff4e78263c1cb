/**
 * A function's sandbox as the local Lambda and the build both make it: the
 * permissions it is granted (Deno's flags from its declaration) and the V8
 * heap sized to its memory.
 *
 * @example
 * ```ts
 * import { DEFAULT_PERMISSIONS, permissionFlags } from "@rtl/lambda-local/sandbox";
 *
 * const flags = permissionFlags([], { declaration: DEFAULT_PERMISSIONS });
 * ```
 *
 * @module
 */

export { auditedDeclaration } from "./src/permissions/audit.ts";
export {
  DECLARATION_SET,
  DEFAULT_PERMISSIONS,
  type PermissionDeclaration,
  type PermissionKind,
  RUNTIME_API_HOST,
} from "./src/permissions/declaration.ts";
export { PermissionDeclarationError } from "./src/permissions/errors.ts";
export {
  DENY_NET_VARIABLE,
  DENY_NET_WORD,
  expandGrants,
  OTEL_ENDPOINT_GRANT,
  OTEL_ENDPOINT_VARIABLE,
  otelEndpointAddress,
  otelShellLines,
  RUNTIME_API_GRANT,
  shellPermissionWord,
  XRAY_DAEMON_GRANT,
} from "./src/permissions/grants.ts";
export {
  findDeclaration,
  type FoundDeclaration,
} from "./src/permissions/find_declaration.ts";
export {
  IGNORE_UNGRANTED_ENV,
  isPermissionFlag,
  permissionFlags,
  type PermissionFlagsOptions,
} from "./src/permissions/flags.ts";
export {
  HEAP_SWITCH,
  heapFlags,
  type HeapPlan,
  heapPlan,
  heapScript,
} from "./src/heap.ts";
