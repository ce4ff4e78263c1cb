/**
 * A local Lambda control plane: the part of the Lambda API a deploy uses
 * (CreateFunction, UpdateFunctionCode, UpdateFunctionConfiguration,
 * GetFunction, GetFunctionConfiguration, CreateFunctionUrlConfig,
 * PublishVersion, aliases, DeleteFunction, and the layer operations:
 * PublishLayerVersion, GetLayerVersion, GetLayerVersionByArn,
 * ListLayerVersions, ListLayers, DeleteLayerVersion). A function's layers
 * are unpacked and bound read-only at its `/opt`. It unzips the code it receives
 * (inline, or from a local S3) and runs each function under an emulator of
 * its own, and each published version under another; invocations of a
 * deployed name are passed to the one its qualifier names. The Lambda API's
 * own requests are not signature-checked, nor are requests to S3 signed: it is
 * meant for loopback. A function URL with `AuthType: AWS_IAM` checks each
 * request's Signature Version 4 against the credentials it is given.
 *
 * Inside, the operations are a route table (`_control_plane/routes.ts`) over a
 * typed store of functions, versions, aliases and URL configs; settings are
 * checked as Lambda checks them, and a function's State and LastUpdateStatus
 * follow one state machine (`_control_plane/lifecycle.ts`).
 *
 * @module
 */

import type { OutputSink } from "./function_process.ts";
import type { DeployedFunction, Runner } from "./deployed_function.ts";
import { startEmulator } from "./emulator.ts";
import { route } from "./_control_plane/router.ts";
import { ROUTES } from "./_control_plane/routes.ts";
import { stop } from "./_control_plane/runners.ts";
import { type PlaneSettings, Store } from "./_control_plane/store.ts";
import { taskRootFor } from "./_task_root.ts";
import { engineOf, planeHost } from "./_control_plane/durable.ts";
import { functionRoutes } from "./durable/api.ts";
import { rememberStore } from "./_control_plane/emulator_function.ts";
import {
  type DurableClock,
  durableClock,
  type DurableTimeMode,
} from "./durable/clock.ts";
import { DurableEngine } from "./durable/engine.ts";
import { openSqliteStore } from "./durable/sqlite_store.ts";

export type { DurableClock, DurableTimeMode } from "./durable/clock.ts";

export type { DeployedFunction, Runner } from "./deployed_function.ts";

/**
 * How the control plane runs what it receives, and how it names things.
 *
 * @example
 * ```ts
 * import type { ControlPlaneOptions } from "@rtl/lambda-local";
 *
 * const options: ControlPlaneOptions = { region: "eu-west-1" };
 * ```
 */
export interface ControlPlaneOptions {
  /** Starts a deployed function; by default an emulator on a free port runs `<dir>/bootstrap`. */
  start?: (fn: DeployedFunction) => Promise<Runner>;
  /** The region in ARNs and `AWS_REGION`; `us-east-1` when absent. */
  region?: string;
  /** The account in ARNs; `123456789012` when absent. */
  accountId?: string;
  /** The URL a function URL config reports for a name (`name:alias` for an alias's URL); `http://127.0.0.1:9000/lambda-url/<name>/` when absent. */
  functionUrl?: (name: string) => string;
  /** Receives the lines of the functions the default `start` runs, and the control plane's own (why a function URL refused a request, as `platform`); stderr when absent. */
  output?: OutputSink;
  /**
   * The key pair an `AWS_IAM` function URL checks signatures against: the
   * emulator's `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, read by its
   * caller. Such a URL refuses every request when absent.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The clock a signature's date is checked against, in milliseconds since the epoch; `Date.now` when absent. */
  now?: () => number;
  /**
   * The local S3 that code given as `S3Bucket`/`S3Key` is read from, with an
   * unsigned path-style GET (`<url>/<bucket>/<key>`); such code is refused
   * when absent.
   */
  s3Endpoint?: string;
  /**
   * The durable engine's settings: where executions are kept (a folder,
   * created if missing; in memory when absent) and its time (`real` when
   * absent; `fast` fires every wait and retry delay at once), or a clock of
   * your own.
   */
  durable?: DurableOptions;
}

/**
 * How the durable engine keeps executions and tells time.
 *
 * @example
 * ```ts
 * import type { DurableOptions } from "@rtl/lambda-local";
 *
 * const options: DurableOptions = { stateDir: "/tmp/durable", time: "fast" };
 * ```
 */
export interface DurableOptions {
  /** The folder of the engine's SQLite database (`durable.sqlite`); executions survive a restart on the same folder. */
  stateDir?: string;
  /** `real` (the default) or `fast`: waits and step retry delays fire at once, logged. */
  time?: DurableTimeMode;
  /** A clock of your own (tests); wins over `time`. */
  clock?: DurableClock;
}

/**
 * The control plane: mount `handle` in an HTTP server (it answers
 * `undefined` for paths that are not its own) and close it to stop every
 * deployed function and delete their code.
 *
 * @example
 * ```ts ignore
 * import { createControlPlane } from "@rtl/lambda-local";
 *
 * await using plane = createControlPlane();
 * Deno.serve({ port: 9000 }, async (request) =>
 *   await plane.handle(request) ?? new Response("Not found", { status: 404 }));
 * ```
 */
export interface ControlPlane extends AsyncDisposable {
  /** Answers a Lambda API request, or `undefined` when the path is not one it serves. */
  handle(request: Request): Promise<Response | undefined>;
  /** The names of the deployed functions. */
  names(): string[];
  /** Stops every deployed function and removes their unzipped code. */
  close(): Promise<void>;
}

/**
 * Creates a control plane. Deployed functions run under emulators of their
 * own (one process each), started when their code arrives.
 *
 * @example
 * ```ts ignore
 * import { createControlPlane } from "@rtl/lambda-local";
 *
 * await using plane = createControlPlane({ region: "eu-west-1" });
 * await using server = Deno.serve({ port: 0 }, async (request) =>
 *   await plane.handle(request) ?? new Response(null, { status: 404 }));
 * ```
 */
export function createControlPlane(
  options: ControlPlaneOptions = {},
): ControlPlane {
  const late: _Late = {};
  const store = new Store(_settings(options, late));
  late.durableApi = route(functionRoutes(engineOf), store);
  store.settings.durable?.attach(planeHost(store));
  const handle = route(ROUTES, store);
  let closed = false;
  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    store.settings.durable?.dispose();
    const all = [...store.functions.values()];
    store.functions.clear();
    await Promise.all(all.map(stop));
    await store.removeRoot();
  }
  const plane = {
    handle,
    names: () => [...store.functions.keys()],
    close,
    [Symbol.asyncDispose]: close,
  };
  rememberStore(plane, store);
  return plane;
}

/** The options resolved once, each default in place. */
function _settings(
  options: ControlPlaneOptions,
  late: _Late,
): PlaneSettings {
  const region = options.region ?? "us-east-1";
  const output = options.output;
  const log = (line: string) =>
    output === undefined ? console.error(line) : output(line, "platform");
  const durable = _durableEngine(options.durable, log);
  return {
    durable,
    region,
    account: options.accountId ?? "123456789012",
    start: options.start ??
      ((fn) => _startEmulated(fn, region, output, late.durableApi)),
    functionUrl: options.functionUrl ??
      ((name) => `http://127.0.0.1:9000/lambda-url/${name}/`),
    now: options.now ?? Date.now,
    log,
    credentials: options.credentials,
    s3Endpoint: options.s3Endpoint,
    output,
  };
}

/** The engine's database in `dir`, or in memory; a folder the process may not write is named in the error. */
function _openStore(dir: string | undefined) {
  if (dir === undefined) return openSqliteStore(":memory:");
  try {
    Deno.mkdirSync(dir, { recursive: true });
    return openSqliteStore(`${dir}/durable.sqlite`);
  } catch (error) {
    if (
      error instanceof Deno.errors.NotCapable ||
      error instanceof Deno.errors.PermissionDenied
    ) {
      throw new Error(
        `The durable state folder ${dir} cannot be written (the emulator's permission set writes under /tmp only): choose a --durable-state-dir under /tmp`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** What the settings reach once the store exists: the durable API a durable function calls. */
interface _Late {
  durableApi?: (request: Request) => Promise<Response | undefined>;
}

/** The engine the options ask for: its store in `stateDir` (or memory), its clock. */
function _durableEngine(
  options: DurableOptions | undefined,
  log: (line: string) => void,
): DurableEngine {
  const dir = options?.stateDir;
  return new DurableEngine({
    store: _openStore(dir),
    clock: options?.clock ?? durableClock(options?.time ?? "real"),
    log,
  });
}

async function _startEmulated(
  fn: DeployedFunction,
  region: string,
  output: OutputSink | undefined,
  durableApi: _Late["durableApi"],
): Promise<Runner> {
  // Its code read-only in its own folder and its layers at /opt, read-only, as Lambda has them.
  const root = await taskRootFor(`${fn.dir}/bootstrap`, [], fn.opt);
  if (fn.opt !== undefined && root.command[0] === "/usr/bin/env") {
    const line =
      `${fn.name}: its layers could not be mounted at /opt (that takes root and unshare): ` +
      `RTL_LAMBDA_OPT=${fn.opt} names their folder instead, which only a layer-mode bootstrap reads`;
    output === undefined ? console.error(line) : output(line, "platform");
  }
  let emulator;
  try {
    emulator = await startEmulator({
      command: [...root.command],
      cwd: root.dir,
      // Lambda's own variables last: the API refuses them in a configuration, and nothing may override them.
      env: { ...fn.environment, AWS_REGION: region, _HANDLER: fn.handler },
      timeout: fn.timeout,
      memory: fn.memory,
      functionName: fn.name,
      functionVersion: fn.version,
      port: 0,
      // Each deploy starts as a new sandbox: its own /tmp.
      freshTmp: true,
      output,
      durableApi: fn.durable ? durableApi : undefined,
    });
  } catch (error) {
    await root.close();
    throw error;
  }
  const started = emulator;
  return {
    url: started.url,
    close: async () => {
      try {
        await started.close();
      } finally {
        await root.close();
      }
    },
  };
}
