/**
 * A local AWS Lambda for @rtl/lambda functions: the Runtime API the function
 * polls, and the invoke API (`POST /2015-03-31/functions/function/invocations`)
 * that `curl` and the AWS SDKs speak, with Lambda's timeout, payload limits,
 * concurrency and `START`/`END`/`REPORT` lines.
 *
 * Run a function from the command line:
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 --allow-run --allow-read --allow-env jsr:@rtl/lambda-local main.ts
 * curl -d '{"name":"Ada"}' http://127.0.0.1:9000/2015-03-31/functions/function/invocations
 * ```
 *
 * @example From a test
 * ```ts ignore
 * import { startEmulator } from "@rtl/lambda-local";
 *
 * await using emulator = await startEmulator({
 *   command: [Deno.execPath(), "run", "--allow-env", "--allow-net=127.0.0.1", "main.ts"],
 *   port: 0,
 * });
 * const response = await emulator.invoke('{"name":"Ada"}');
 * console.log(await response.json());
 * ```
 *
 * @module
 */

import { main } from "./src/cli.ts";

export {
  type Emulator,
  type EmulatorOptions,
  PortInUseError,
  startEmulator,
} from "./src/emulator.ts";
export { main } from "./src/cli.ts";
export {
  type ControlPlane,
  type ControlPlaneOptions,
  createControlPlane,
  type DeployedFunction,
  type DurableClock,
  type DurableOptions,
  type DurableTimeMode,
  type Runner,
} from "./src/control_plane.ts";
export {
  type ControlPlaneServer,
  type ControlPlaneServerOptions,
  serveControlPlane,
} from "./src/control_plane_server.ts";
export type { OutputSink, OutputSource } from "./src/function_process.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
