/**
 * Says how to fix a permission refusal: Deno's `NotCapable` message (and a
 * DNS refusal the net grant caused) turned into the declaration or build
 * flag to add. Self-contained, so the build can embed it in the portable
 * bootstrap's entry wrapper as text.
 *
 * @module
 */

import type { Layer } from "../core/layer.ts";

/**
 * The fix for a refusal named in `message`, or undefined when it is not one.
 *
 * @example
 * ```ts
 * import { permissionHint } from "./permission_hint.ts";
 * import assert from "node:assert/strict";
 *
 * const hint = permissionHint('Requires env access to "TABLE", run again with the --allow-env flag');
 * assert.match(hint!, /"env": \["TABLE"\]/);
 * const whole = permissionHint("Requires env access, run again with the --allow-env flag");
 * assert.match(whole!, /"env": true/);
 * ```
 */
export function permissionHint(message: string): string | undefined {
  const refused = /Requires (\w+) access to "([^"]+)"/.exec(message) ??
    /Requires (\w+) access to ([^\s,]+)/.exec(message);
  const dns = /getaddrinfo EPERM ([^\s,]+)/.exec(message);
  const kind = refused?.[1] ?? (dns ? "net" : undefined);
  const value = refused?.[2] ?? dns?.[1];
  const where =
    `to "permissions": { "lambda": { … } } in the function's deno.json`;
  if (kind && value) {
    return `Grant it: add "${kind}": ["${value}"] ${where}, or build with --allow-${kind}=${value}.`;
  }
  // No value named: the whole kind was asked for (Deno.env.toObject(), process.env's keys, a child's environment).
  const whole = /Requires (\w+) access(?:,|$)/.exec(message)?.[1];
  if (!whole) return undefined;
  const why = whole === "env"
    ? " (every variable was read: Deno.env.toObject(), process.env's keys, or a process started with them; the build's default --ignore-env answers with the granted ones only)"
    : "";
  return `Grant it${why}: add "${whole}": true ${where}, or build with --allow-${whole}.`;
}

/**
 * `message` with its fix appended when it is a permission refusal.
 *
 * @example
 * ```ts
 * import { withPermissionHint } from "./permission_hint.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(withPermissionHint("boom"), "boom");
 * ```
 */
export function withPermissionHint(message: string): string {
  const hint = permissionHint(message);
  return hint ? `${message}. ${hint}` : message;
}

/** The layer `run()` lists: every report's message gets the fix when it is a permission refusal. */
export const permissionHintLayer: Layer = {
  name: "permission hints",
  formatError: (next) => (thrown) => {
    const report = next(thrown);
    return { ...report, errorMessage: withPermissionHint(report.errorMessage) };
  },
};
