// The task root as Lambda has it: the function's own folder, its working directory and LAMBDA_TASK_ROOT,
// read-only to it. As root a private mount namespace binds the folder read-only over itself for the
// function's process tree alone; elsewhere the function runs from a read-only copy.
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

/**
 * The task root of the built bootstrap `entry`: a read-only bind mount
 * where this process may make one, else a read-only copy.
 */
export async function taskRootFor(
  entry: string,
  rest: readonly string[],
): Promise<TaskRoot> {
  const path = await Deno.realPath(entry);
  const dir = dirname(path);
  if (await _canBindReadOnly(dir)) {
    return {
      dir,
      command: [_UNSHARE!, ..._readOnlyArgs(dir, [path, ...rest])],
      refresh: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }
  return await _readOnlyCopy(dir, path.slice(dir.length + 1), rest);
}

/** `unshare`'s arguments that run `command` with `dir` mounted read-only over itself, in a mount namespace of its own. */
function _readOnlyArgs(dir: string, command: readonly string[]): string[] {
  return [
    "-m",
    "--propagation",
    "private",
    "/bin/sh",
    "-c",
    _READ_ONLY,
    dir,
    ...command,
  ];
}

/** The folder a script entry runs in: its own. */
export function scriptRoot(entry: string): string {
  return dirname(resolve(entry));
}

async function _canBindReadOnly(dir: string): Promise<boolean> {
  // Tried rather than asked: Deno lets only --allow-all read /proc/self, and a root without
  // CAP_SYS_ADMIN (a container) cannot mount either.
  if (_UNSHARE === undefined) return false;
  try {
    const { success } = await new Deno.Command(_UNSHARE, {
      args: _readOnlyArgs(dir, ["true"]),
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
