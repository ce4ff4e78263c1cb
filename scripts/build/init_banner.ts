/**
 * The line the build puts at the start of the portable `main.js`: until
 * the runtime's loop registers its own handler, an uncaught error (a
 * `NotCapable` at import, a crash in top-level code, which Deno raises as an
 * unhandled rejection of the main module) is reported on the Runtime API's
 * `/init/error` with the permission fix, so Lambda shows why instead of
 * "exited without reporting an error". One line, so the inline source map
 * is shifted by columns on line 1 only.
 *
 * @module
 */

import { permissionHint } from "../../src/node/permission_hint.ts";

/** The banner's source: one line of JavaScript, no newline. */
export function initBanner(): string {
  const body = `const hint = ${permissionHint.toString()};
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
  // Comments and line breaks out, so that it fits on the bundle's first line.
  return `{${body.split("\n").map((line) => line.trim()).join(" ")}}`;
}
