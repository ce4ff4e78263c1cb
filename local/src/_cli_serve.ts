// The CLI's functions served: one emulator for the main function (with the control plane and the other
// functions' routes on its port), one more for each --function, the banner, the watches, and Ctrl-C.
import { guardControlPlane } from "./_beyond_loopback.ts";
import { relative } from "node:path";
import { type Emulator, startEmulator } from "./emulator.ts";
import { type IdleWatcher, watchIdle } from "./idle.ts";
import { type ControlPlane, createControlPlane } from "./control_plane.ts";
import { routeFunctions } from "./_functions_router.ts";
import { watchSources } from "./source_watch.ts";
import { untilStopped } from "./_until_stopped.ts";
import type { CliOptions } from "./_cli_options.ts";
import type { FunctionLaunch } from "./_cli_function.ts";
import { durableBanner, durableOptionsOf } from "./_cli_durable.ts";
import {
  adoptEmulatorFunction,
  durableOnly,
  functionApi,
  storeOf,
} from "./_control_plane/emulator_function.ts";

/** A function the CLI serves, its emulator once started. */
interface _Served {
  readonly name: string;
  readonly entry: string;
  readonly launch: FunctionLaunch;
  emulator?: Emulator;
}

/** An event every example answers (the echo refuses an empty one). */
export const SAMPLE_EVENT = '{"hello":"world"}';

/** Serves `launches` (the main function first) until Ctrl-C, SIGTERM or the idle limit; the exit code. */
export async function serveFunctions(
  options: CliOptions,
  launches: readonly FunctionLaunch[],
  env: Record<string, string>,
): Promise<number> {
  const served: _Served[] = [
    { name: options.name, entry: options.entry!, launch: launches[0] },
    ...options.functions.map((fn, i) => ({ ...fn, launch: launches[i + 1] })),
  ];
  const stop = Promise.withResolvers<void>();
  const seconds = options.flags["shutdown-after"];
  const idle = seconds === undefined
    ? undefined
    : watchIdle(seconds, () => stop.resolve());
  const plane = _controlPlane(options, () => served[0].emulator!.url);
  try {
    await _startAll(options, served, env, idle, plane);
  } catch (error) {
    await Promise.all(served.map((fn) => fn.emulator?.close()));
    await plane?.close();
    throw error;
  }
  console.error(_banner(options, served, env, plane !== undefined));
  idle?.start();
  const watches = options.flags.watch ? served.map(_watch(served.length)) : [];
  await untilStopped(async () => {
    idle?.stop();
    for (const watch of watches) watch.stop();
    await Promise.all(served.slice(1).map((fn) => fn.emulator?.close()));
    await served[0].emulator?.close();
    await plane?.close();
  }, stop.promise);
  return 0;
}

function _controlPlane(
  options: CliOptions,
  url: () => string,
): ControlPlane | undefined {
  // --durable runs the emulator's own function on a plane's durable engine, with or without its API.
  if (!options.flags["control-plane"] && !options.flags.durable) {
    return undefined;
  }
  return createControlPlane({
    s3Endpoint: options.s3Endpoint,
    credentials: options.credentials,
    durable: durableOptionsOf(options),
    functionUrl: (name) => `${url()}/lambda-url/${name}/`,
  });
}

async function _startAll(
  options: CliOptions,
  served: _Served[],
  env: Record<string, string>,
  idle: IdleWatcher | undefined,
  plane: ControlPlane | undefined,
): Promise<void> {
  const { flags } = options;
  const others = new Map(served.slice(1).map((fn) => [fn.name, fn]));
  const routeOthers = routeFunctions((name) => others.get(name)?.emulator?.url);
  const store = plane && flags.durable ? storeOf(plane) : undefined;
  const planeRoutes = store !== undefined && !flags["control-plane"]
    ? durableOnly(store)
    : plane?.handle;
  for (const [i, fn] of served.entries()) {
    fn.emulator = await startEmulator({
      extensionsDir: flags.extensions,
      output: idle?.output,
      command: fn.launch.command,
      cwd: fn.launch.cwd,
      env,
      hostname: i === 0 ? flags.host : "127.0.0.1",
      port: i === 0 ? flags.port : 0,
      timeout: flags.timeout,
      initTimeout: flags["init-timeout"],
      // A built bootstrap starts as in a new sandbox, its caches cold; a script keeps the machine's npm cache.
      freshTmp: !fn.launch.script,
      reservedConcurrency: flags["reserved-concurrency"],
      memory: flags.memory,
      concurrency: flags.concurrency,
      functionName: fn.name,
      ...(i === 0
        ? {
          routes: guardControlPlane(
            plane && flags.host,
            { credentials: options.credentials },
            async (request: Request) =>
              await planeRoutes?.(request) ?? await routeOthers(request),
          ),
          durableApi: store && functionApi(store),
        }
        : {}),
    });
  }
  if (store !== undefined) {
    adoptEmulatorFunction(
      store,
      served[0].name,
      served[0].emulator!.url,
      flags["durable-execution-timeout"],
    );
  }
}

function _banner(
  options: CliOptions,
  served: readonly _Served[],
  env: Record<string, string>,
  withPlane: boolean,
): string {
  const [main, ...others] = served;
  const url = main.emulator!.url;
  const lines = [
    `Function ${main.name} (${main.entry}) on ${url}`,
    ...others.map((fn) =>
      `Function ${fn.name} (${fn.entry}): invoke it as ${fn.name}, its URL is ${url}/lambda-url/${fn.name}/`
    ),
    `Its variables: Lambda's reserved ones and ${
      Object.keys(env).sort().join(", ") || "no others"
    }`,
    `Invoke it: curl -d '${SAMPLE_EVENT}' ${url}/2015-03-31/functions/${main.name}/invocations`,
    ...(options.flags.durable
      ? [
        `It is durable (--durable): each invocation starts a durable execution; ${
          durableBanner(durableOptionsOf(options))
        }`,
      ]
      : []),
    `Stop with Ctrl-C.`,
  ];
  const s3 = options.s3Endpoint;
  if (
    withPlane && s3 !== undefined && new URL(s3).origin === new URL(url).origin
  ) {
    // AWS_ENDPOINT_URL set for the SDK's Lambda calls would send S3 reads to this function's URL.
    lines.push(
      `The S3 endpoint ${s3} is this emulator: pass --s3-endpoint with the local S3's address`,
    );
  }
  return lines.join("\n");
}

function _watch(count: number) {
  return (fn: _Served) =>
    watchSources(fn.entry, async (paths) => {
      // Checked (or copied) first: the line says the next invocation runs the new code.
      await fn.launch.refresh().catch(() => {});
      console.error(
        `Sources changed (${
          paths.map((path) => relative(Deno.cwd(), path)).join(", ")
        }): restarting ${count > 1 ? fn.name : "the function"}`,
      );
      fn.emulator?.reload();
    });
}
