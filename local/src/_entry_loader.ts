// Preloaded before a .ts entry (`deno run --preload`): what fails while the entry loads or runs its top level
// (a syntax error, a failed download, a top-level throw, a refused permission) is posted to /init/error as
// Runtime.ImportModuleError with its message, as the built artifact's banner does, instead of a bare exit 1.
// It imports nothing: it runs under the function's own import map and permissions.

const runtimeApi = Deno.env.get("AWS_LAMBDA_RUNTIME_API");

async function report(error: unknown): Promise<never> {
  const errorMessage = error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
  const stackTrace = error instanceof Error
    ? String(error.stack ?? "").split("\n").slice(1).map((line) => line.trim())
    : [];
  console.error(`Initialisation failed: ${errorMessage}`);
  try {
    await fetch(`http://${runtimeApi}/2018-06-01/runtime/init/error`, {
      method: "POST",
      headers: {
        "Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError",
      },
      body: JSON.stringify({
        errorType: "Runtime.ImportModuleError",
        errorMessage,
        stackTrace,
      }),
    });
  } catch {
    // No Runtime API to tell: the exit says it.
  }
  Deno.exit(1);
}

// Evaluation errors of the entry's top level reach these until the runtime installs its own listener.
const add = globalThis.addEventListener;
const onError = (event: Event) => {
  event.preventDefault();
  const found = event as Partial<PromiseRejectionEvent & ErrorEvent>;
  void report(found.reason ?? found.error);
};
globalThis.addEventListener = function (
  this: unknown,
  type: string,
  ...rest: unknown[]
) {
  if (type === "unhandledrejection") {
    globalThis.removeEventListener("unhandledrejection", onError);
    globalThis.removeEventListener("error", onError);
    globalThis.addEventListener = add;
  }
  return (add as (...args: unknown[]) => void).call(this, type, ...rest);
} as typeof globalThis.addEventListener;
add("unhandledrejection", onError);
add("error", onError);

// What the entry fails to load, the emulator CLI found before (_load_check.ts: the same file name).
const digest = await crypto.subtle.digest(
  "SHA-256",
  new TextEncoder().encode(Deno.mainModule),
);
const hex = [...new Uint8Array(digest)].slice(0, 12)
  .map((byte) => byte.toString(16).padStart(2, "0")).join("");
let loadError: string | undefined;
try {
  loadError = Deno.readTextFileSync(`/tmp/rtl-lambda-load-${hex}.txt`);
} catch {
  // Nothing failed to load, or no report to read.
}
if (loadError !== undefined) await report(loadError);
