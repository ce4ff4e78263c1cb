// The task root as Lambda has it: the function's own folder, its working directory and LAMBDA_TASK_ROOT,
// read-only to it. As root a private mount namespace binds the folder read-only over itself for the
// function's process tree alone; elsewhere the function runs from a read-only copy. Its layers' folder goes
// to /opt the same way; without a mount namespace, RTL_LAMBDA_OPT names it to a layer-mode bootstrap.
import { dirname, resolve } from "node:path";

/** Where a built bootstrap runs from, and how it is made read-only. */
export interface TaskRoot {
  /** The folder: the process's working directory and `LAMBDA_TASK_ROOT`. */
  readonly dir: string;
  /** The command run there, read-only to it. */
  readonly command: readonly string[];
  /** Copies the folder again (a copy only), after its files changed. */
  refresh(): Promise<void>;
  /** Removes a copy. */
  close(): Promise<void>;
}

const _UNSHARE = ["/usr/bin/unshare", "/bin/unshare"].find(_isFile);

/** The shell that makes `$0` read-only in the new mount namespace and runs the function there. */
const _READ_ONLY =
  'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && cd "$0" || ' +
  '{ echo "rtl-lambda emulator: could not mount the task root $0 read-only" >&2; exit 1; }; exec "$@"';

/** The shell that binds `$0` at /opt read-only, in the mount namespace it runs in, and runs the function. */
const _OPT_READ_ONLY =
  'mount --bind "$0" /opt && mount -o remount,bind,ro /opt || ' +
  '{ echo "rtl-lambda emulator: could not mount the layers $0 at /opt read-only" >&2; exit 1; }; exec "$@"';

/** A command that runs with a function's layers at /opt, and whether they are mounted there. */
export interface OptCommand {
  /** The command line. */
  readonly command: string[];
  /** True: the layers are at /opt; false: only `RTL_LAMBDA_OPT` names their folder. */
  readonly mounted: boolean;
}

/**
 * `command` with the folder `opt` bound read-only at /opt, in a mount
 * namespace of its own; where none can be made (not root, no unshare), with
 * `RTL_LAMBDA_OPT=<opt>` instead, which a layer-mode bootstrap reads.
 */
export async function withOpt(
  command: readonly string[],
  opt: string | undefined,
): Promise<OptCommand> {
  if (opt === undefined) return { command: [...command], mounted: true };
  if (await _canMount(_optArgs(opt, ["true"]))) {
    return {
      command: [_UNSHARE!, ..._namespaceArgs(_optArgs(opt, command))],
      mounted: true,
    };
  }
  return { command: _optVariable(opt, command), mounted: false };
}

/**
 * The task root of the built bootstrap `entry`: a read-only bind mount
 * where this process may make one, else a read-only copy; with `opt`, that
 * folder at /opt as {@linkcode withOpt} puts it.
 */
export async function taskRootFor(
  entry: string,
  rest: readonly string[],
  opt?: string,
): Promise<TaskRoot> {
  const path = await Deno.realPath(entry);
  const dir = dirname(path);
  const inner = opt === undefined ? [] : _optArgs(opt, []);
  if (
    await _canBindReadOnly(dir) &&
    (opt === undefined || await _canMount(_optArgs(opt, ["true"])))
  ) {
    return {
      dir,
      command: [_UNSHARE!, ..._readOnlyArgs(dir, [...inner, path, ...rest])],
      refresh: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }
  const root = await _readOnlyCopy(dir, path.slice(dir.length + 1), rest);
  if (opt === undefined) return root;
  return { ...root, command: _optVariable(opt, root.command) };
}

/** The shell arguments that mount `opt` at /opt and then run `command` (inside a mount namespace). */
function _optArgs(opt: string, command: readonly string[]): string[] {
  return ["/bin/sh", "-c", _OPT_READ_ONLY, opt, ...command];
}

function _optVariable(opt: string, command: readonly string[]): string[] {
  return ["/usr/bin/env", `RTL_LAMBDA_OPT=${opt}`, ...command];
}

function _namespaceArgs(command: readonly string[]): string[] {
  return ["-m", "--propagation", "private", ...command];
}

/** `unshare`'s arguments that run `command` with `dir` mounted read-only over itself, in a mount namespace of its own. */
function _readOnlyArgs(dir: string, command: readonly string[]): string[] {
  return _namespaceArgs(_readOnlyShell(dir, command));
}

/** The shell arguments that make `dir` read-only and run `command` there (inside a mount namespace). */
function _readOnlyShell(dir: string, command: readonly string[]): string[] {
  return ["/bin/sh", "-c", _READ_ONLY, dir, ...command];
}

/** The folder a script entry runs in: its own. */
export function scriptRoot(entry: string): string {
  return dirname(resolve(entry));
}

function _canBindReadOnly(dir: string): Promise<boolean> {
  return _canMount(_readOnlyShell(dir, ["true"]));
}

async function _canMount(command: readonly string[]): Promise<boolean> {
  // Tried rather than asked: Deno lets only --allow-all read /proc/self, and a root without
  // CAP_SYS_ADMIN (a container) cannot mount either; nor can anyone where /opt does not exist.
  if (_UNSHARE === undefined) return false;
  try {
    const { success } = await new Deno.Command(_UNSHARE, {
      args: _namespaceArgs(command),
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

async function _readOnlyCopy(
  dir: string,
  file: string,
  rest: readonly string[],
): Promise<TaskRoot> {
  const copy = await Deno.makeTempDir({ prefix: "rtl-lambda-task-" });
  const fill = async () => {
    await _run("chmod", ["-R", "u+w", copy]);
    await _run("sh", [
      "-c",
      'rm -rf "$0"/* "$0"/.[!.]* 2>/dev/null; cp -a "$1"/. "$0"/',
      copy,
      dir,
    ]);
    await _run("chmod", ["-R", "a-w", copy]);
  };
  await fill();
  return {
    dir: copy,
    command: [`${copy}/${file}`, ...rest],
    refresh: fill,
    async close() {
      await _run("chmod", ["-R", "u+w", copy]);
      await Deno.remove(copy, { recursive: true }).catch(() => {});
    },
  };
}

async function _run(command: string, args: string[]): Promise<void> {
  await new Deno.Command(command, { args, stdout: "null", stderr: "null" })
    .output();
}

function _isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
