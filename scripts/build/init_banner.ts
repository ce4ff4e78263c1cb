/**
 * The line the build puts at the start of the portable `main.js`: until
 * the runtime's loop registers its own handler, an uncaught error (a
 * `NotCapable` at import, a crash in top-level code, which Deno raises as an
 * unhandled rejection of the main module) is reported on the Runtime API's
 * `/init/error` with the permission fix, so Lambda shows why instead of
 * "exited without reporting an error". It also installs the on-demand
 * source map ({@link ./_stack_mapper.ts}): stacks name the original files
 * and lines, while the map is read only when a stack is formatted.
 *
 * @module
 */

import { permissionHint } from "@rtl/lambda/runtime";
import { stackMapper } from "./_stack_mapper.ts";
import { PORTABLE_FILES } from "./portable.ts";

/**
 * The banner's source: whole lines of JavaScript, ending with a newline;
 * {@linkcode withBanner} shifts the bundle's source map down by as many.
 *
 * @example
 * ```ts
 * import { initBanner } from "./init_banner.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(initBanner().endsWith("\n"));
 * ```
 */
export function initBanner(): string {
  const body = `if (Error.prepareStackTrace === undefined) {
  Error.prepareStackTrace = (${stackMapper.toString()})(import.meta.url, new URL(${
    JSON.stringify(PORTABLE_FILES.map)
  }, import.meta.url).href, (url) => {
    try {
      return Deno.readTextFileSync(new URL(url));
    } catch {
      return undefined;
    }
  });
}
const hint = ${permissionHint.toString()};
const add = globalThis.addEventListener;
const report = (event) => {
  event.preventDefault();
  const error = event.reason ?? event.error;
  const errorType = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  const fix = hint(message);
  const errorMessage = fix ? message + ". " + fix : message;
  const stackTrace = String(error?.stack ?? "").split("\\n").slice(1).map((line) => line.trim());
  console.error("Initialisation failed: " + errorType + ": " + errorMessage);
  fetch("http://" + Deno.env.get("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error", {
    method: "POST",
    headers: { "Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError" },
    body: JSON.stringify({ errorType, errorMessage, stackTrace }),
  }).catch(() => {}).finally(() => Deno.exit(1));
};
globalThis.addEventListener = function (type, ...rest) {
  if (type === "unhandledrejection") {
    globalThis.removeEventListener("unhandledrejection", report);
    globalThis.removeEventListener("error", report);
    globalThis.addEventListener = add;
  }
  return add.call(this, type, ...rest);
};
add("unhandledrejection", report);
add("error", report);`;
  return `{\n${body}\n}\n`;
}

/**
 * Puts the banner before a bundle and moves its source map's lines down by
 * as many lines.
 *
 * @example
 * ```ts
 * import { withBanner } from "./init_banner.ts";
 * import assert from "node:assert/strict";
 *
 * const out = withBanner("run();\n", JSON.stringify({ version: 3, sources: ["a.ts"], mappings: "AAAA" }));
 * assert.ok(out.code.endsWith("\nrun();\n"));
 * assert.match(JSON.parse(out.map).mappings, /^;+AAAA$/);
 * ```
 */
export function withBanner(
  code: string,
  map: string,
): { code: string; map: string } {
  const banner = initBanner();
  const parsed = JSON.parse(map);
  parsed.mappings = ";".repeat(banner.split("\n").length - 1) + parsed.mappings;
  return { code: banner + code, map: JSON.stringify(parsed) };
}
