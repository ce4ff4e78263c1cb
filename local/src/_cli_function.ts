// How the CLI runs one function: a script under `deno run` with its deno.json's permissions and the
// import-error loader, or a built bootstrap as is; each from its own folder, read-only to it.
import { permissionFlags } from "./permissions/flags.ts";
import { findDeclaration } from "./permissions/find_declaration.ts";
import { scriptRoot, type TaskRoot, taskRootFor } from "./_task_root.ts";
import { pathToFileURL } from "node:url";
import { checkLoad, type LoadCheck, loadReportFile } from "./_load_check.ts";
import { cliOpt } from "./_cli_layers.ts";

/** The function given to the emulator cannot be run as given. */
export class FunctionEntryError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "FunctionEntryError";
  }
}

/** One function, ready to start. */
export interface FunctionLaunch {
  /** The command line. */
  readonly command: string[];
  /** Its task root: working directory and `LAMBDA_TASK_ROOT`. */
  readonly cwd: string;
  /** Whether it is a script run by `deno run` (else a built bootstrap). */
  readonly script: boolean;
  /** What the emulator says about it as it starts (its layers), if anything. */
  readonly note?: string;
  /** Checks again what a restart will load, after its files changed. */
  refresh(): Promise<void>;
  /** Removes what was made for it (a copy, a load report). */
  close(): Promise<void>;
}

const _LOADER = new URL("./_entry_loader.ts", import.meta.url).href;

/** Whether `entry` is a script run by `deno run`. */
export function isScript(entry: string): boolean {
  return /\.(ts|tsx|js|mjs|mts|jsx)$/.test(entry);
}

/** How to run `entry` with `rest` as its arguments; `allow` widens a script's permissions; `layers` go to a built one's /opt. */
export async function launchFor(
  entry: string,
  rest: readonly string[],
  allow: readonly string[],
  layers: readonly string[] = [],
): Promise<FunctionLaunch> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(entry);
  } catch {
    throw new FunctionEntryError(`The function ${entry} does not exist`);
  }
  if (!isScript(entry)) {
    if (!info.isFile || ((info.mode ?? 0o111) & 0o111) === 0) {
      throw new FunctionEntryError(
        `${entry} is not an executable file (chmod +x it, or give a .ts entry)`,
      );
    }
    return await _built(entry, rest, layers);
  }
  return await _script(entry, rest, allow);
}

async function _built(
  entry: string,
  rest: readonly string[],
  layers: readonly string[],
): Promise<FunctionLaunch> {
  const opt = await cliOpt(entry, layers);
  let root: TaskRoot;
  try {
    root = await taskRootFor(entry, rest, opt?.dir);
  } catch (error) {
    await opt?.close();
    throw error;
  }
  const unmounted = opt !== undefined && root.command[0] === "/usr/bin/env";
  return {
    command: [...root.command],
    cwd: root.dir,
    script: false,
    note: opt &&
      `${opt.note}${
        unmounted
          ? "; not mounted at /opt (that takes root and unshare): RTL_LAMBDA_OPT names the folder to a layer-mode bootstrap"
          : ""
      }`,
    refresh: () => root.refresh(),
    close: async () => {
      await root.close();
      await opt?.close();
    },
  };
}

async function _script(
  entry: string,
  rest: readonly string[],
  allow: readonly string[],
): Promise<FunctionLaunch> {
  const found = await findDeclaration(entry);
  const cwd = scriptRoot(entry);
  const reportFile = await loadReportFile(
    pathToFileURL(await Deno.realPath(entry)).href,
  );
  // The task root reads as /var/task does, and is never written (a --deny wins over any --allow).
  const permissions = permissionFlags(
    [...allow, `--allow-read=${cwd},${reportFile}`],
    { declaration: found?.declaration },
  );
  const load: LoadCheck = await checkLoad(entry, cwd, permissions);
  return {
    command: [
      Deno.execPath(),
      "run",
      "--no-prompt",
      ...permissions,
      `--deny-write=${cwd}`,
      "--preload",
      _LOADER,
      await Deno.realPath(entry),
      ...rest,
    ],
    cwd,
    script: true,
    refresh: () => load.refresh(),
    close: () => load.close(),
  };
}
