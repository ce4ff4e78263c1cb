/**
 * Run by the build in its own process: starts a staged portable function
 * through its `bootstrap` against a loopback Runtime API that never hands
 * out an event, so that Deno fills the function's `DENO_DIR` (V8's code
 * cache, the module analysis) as a first start would; then ends it and
 * re-keys the caches from the staging folder to the task root.
 *
 * `deno run --allow-net=127.0.0.1 --allow-run=sh --allow-read=DIR --allow-write=DIR warm_cache.ts DIR CACHE TASK_ROOT`
 *
 * @module
 */

import { rekeyCaches, SHIPPED_CACHES } from "./_rekey_caches.ts";

const [dir, cache, taskRoot] = Deno.args;
const asked = Promise.withResolvers<void>();
const held = Promise.withResolvers<Response>();
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  () => {
    asked.resolve();
    return held.promise;
  },
);
const child = new Deno.Command("sh", {
  args: [`${dir}/bootstrap`],
  cwd: dir,
  clearEnv: true,
  env: {
    DENO_DIR: `${dir}/${cache}`,
    AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.addr.port}`,
    AWS_LAMBDA_FUNCTION_NAME: "build",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
    AWS_REGION: "us-east-1",
    LAMBDA_TASK_ROOT: dir,
    _HANDLER: "bootstrap",
  },
  stdin: "null",
  stdout: "null",
  stderr: "null",
}).spawn();
const timer = setTimeout(() => asked.resolve(), 30_000);
await Promise.race([asked.promise, child.status]);
clearTimeout(timer);
// The code cache is written once the main module has been evaluated, before the first /next.
await new Promise((resolve) => setTimeout(resolve, 300));
try {
  child.kill("SIGKILL");
} catch {
  // Already gone.
}
await child.status;
held.resolve(new Response(null, { status: 503 }));
await server.shutdown();

rekeyCaches(`${dir}/${cache}`, dir, taskRoot);
for await (const entry of Deno.readDir(`${dir}/${cache}`)) {
  if (!SHIPPED_CACHES.some(([file]) => file === entry.name)) {
    await Deno.remove(`${dir}/${cache}/${entry.name}`, { recursive: true });
  }
}
