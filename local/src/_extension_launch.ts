// The external extensions: the executables of the extensions folder started before the function, waited
// for until each has registered (or the init limit passes), and forgotten when they exit.
import {
  type FunctionProcess,
  startFunctionProcess,
} from "./function_process.ts";
import { message } from "./_node_http.ts";
import type { HostParts, Launched } from "./_extension_state.ts";

/** Lambda gives the init phase 10 seconds; external extensions register within it. */
const _REGISTER_LIMIT_MS = 10_000;
/** Variables Lambda keeps from extensions: they belong to the runtime process. */
const _RUNTIME_ONLY = [
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_XRAY_CONTEXT_MISSING",
  "AWS_XRAY_DAEMON_ADDRESS",
  "LAMBDA_RUNTIME_DIR",
  "LAMBDA_TASK_ROOT",
  "_AWS_XRAY_DAEMON_ADDRESS",
  "_AWS_XRAY_DAEMON_PORT",
  "_HANDLER",
];

/** Starts the extensions folder's executables and waits for them to register, then says how each is. */
export async function launchExternals(
  host: HostParts,
  env: Record<string, string>,
): Promise<void> {
  const dir = host.options.dir;
  if (dir === undefined) return;
  const executables = await _executables(dir, (line) => host.platform(line));
  if (executables.length === 0) return;
  const extensionEnv: Record<string, string> = {
    ...env,
    RTL_LAMBDA_SANDBOX_HOSTNAME: "127.0.0.1",
  };
  for (const key of _RUNTIME_ONLY) delete extensionEnv[key];
  for (const { name, path } of executables) {
    _launch(host, name, path, dir, extensionEnv);
  }
  await _registered(host);
  for (const entry of host.started.values()) {
    const extension = host.named(entry.name);
    host.platform(
      extension === undefined
        ? `EXTENSION\tName: ${entry.name}\tState: ${
          entry.exited ? "LaunchError" : "NotRegistered"
        }\tEvents: []`
        : `EXTENSION\tName: ${entry.name}\tState: Ready\tEvents: [${
          [...extension.events].join(",")
        }]`,
    );
  }
}

function _launch(
  host: HostParts,
  name: string,
  path: string,
  dir: string,
  env: Record<string, string>,
): void {
  let process: FunctionProcess;
  try {
    process = startFunctionProcess({
      command: [path],
      cwd: dir,
      env,
      output: (line, source) => {
        host.options.output(line, source);
        if (source !== "platform") host.telemetry.record("extension", line);
      },
      freezer: host.options.freezer,
    });
  } catch (error) {
    host.platform(
      `EXTENSION\tName: ${name}\tState: LaunchError\tError: ${message(error)}`,
    );
    return;
  }
  const entry: Launched = { name, process, exited: false };
  host.started.set(name, entry);
  process.exited.then((status) => {
    entry.exited = true;
    host.notify();
    if (host.shuttingDown) return;
    const extension = host.named(name);
    if (extension?.external) host.change(extension, { kind: "deregistered" });
    host.platform(
      `EXTENSION\tName: ${name}\tState: Exited\tStatus: ${
        status.signal ? `signal ${status.signal}` : `exit ${status.code}`
      }`,
    );
    host.options.onIdle?.();
  });
}

/** Resolves once every started extension has registered or exited, or the init limit passed. */
async function _registered(host: HostParts): Promise<void> {
  // Lambda starts the runtime once every extension has registered.
  const waiting = Promise.withResolvers<void>();
  const check = () => {
    const pending = [...host.started.values()].some((entry) =>
      !entry.exited && host.named(entry.name) === undefined
    );
    if (!pending) waiting.resolve();
  };
  host.listeners.add(check);
  const timer = setTimeout(waiting.resolve, _REGISTER_LIMIT_MS);
  check();
  await waiting.promise;
  clearTimeout(timer);
  host.listeners.delete(check);
}

async function _executables(
  dir: string,
  platform: (line: string) => void,
): Promise<{ name: string; path: string }[]> {
  const found: { name: string; path: string }[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir.replace(/\/$/, "")}/${entry.name}`;
      const info = await Deno.stat(path);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) {
        found.push({ name: entry.name, path });
      }
    }
  } catch (error) {
    platform(`EXTENSION could not read ${dir}: ${message(error)}`);
  }
  return found.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
