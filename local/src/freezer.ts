/**
 * The sandbox freezer: between invocations Lambda freezes the whole
 * execution environment, the function and its external extensions. Here
 * every process of the sandbox joins one freezer cgroup, frozen and thawed
 * with one write; where no such group can be made, each process group gets
 * `SIGSTOP` and `SIGCONT`.
 *
 * A cgroup v2 group is preferred to the v1 freezer: a task frozen by v2 still
 * dies of `SIGKILL`, one frozen by v1 only once thawed. The group files are
 * written by the memory groups' long-lived `sh` (memory.ts) when it is given.
 *
 * @module
 */

import {
  type BorrowedShell,
  borrowShell,
  type CgroupLocation,
  type CgroupShell,
  findCgroups,
  ISOLATE,
  message,
  quote,
  readMounts,
  removeStaleGroups,
} from "./_cgroups.ts";

/** A process the freezer can stop and resume by signals. */
export interface Signalled {
  /** Signals the process's group. */
  kill(signal?: Deno.Signal): void;
}

/** How the sandbox is frozen: its group, or the signals fallback. */
export interface Freezer {
  /** The sandbox's freezer group; `undefined` when it is frozen by signals. */
  readonly location: CgroupLocation | undefined;
  /** The group's folder; `undefined` with signals. */
  readonly path: string | undefined;
  /** Why signals are used; empty with a group. */
  readonly reason: string;
  /** The freezer groups of emulators that are gone, removed at start with what ran in them. */
  readonly removed: string[];
  /** Whether the sandbox is frozen now. */
  readonly frozen: boolean;
  /** The shell fragment a process runs to join the group (empty with signals). */
  readonly join: string;
  /** `command` run from a shell that joins the group first (`command` itself with signals). */
  wrap(command: readonly string[]): string[];
  /** Freezes the sandbox; `processes` are what signals stop when there is no group. */
  freeze(processes: readonly Signalled[]): Promise<void>;
  /** Thaws it (what was frozen); resolves once the thaw is written. */
  thaw(): Promise<void>;
  /** Thaws, ends what is left in the group, removes it and ends the shell. */
  close(): Promise<void>;
}

/** What the freezer may use. */
export interface FreezerOptions {
  /**
   * Whether a cgroup v2 group may be used: not when the memory groups are v2
   * themselves, since a process is in one v2 group only.
   * @default {whether a cgroup v1 memory controller is mounted (the memory groups' place then)}
   */
  v2?: boolean;
  /**
   * Freezes by `SIGSTOP`/`SIGCONT` even where a group could be made.
   * @default {false}
   */
  signals?: boolean;
  /** The cgroup shell to use, left open at `close()`; a new one of its own when absent. */
  shell?: CgroupShell;
}

/** The freeze files by cgroup version: the file, its frozen and its thawed value. */
const _FILES = {
  1: { file: "freezer.state", frozen: "FROZEN", thawed: "THAWED" },
  2: { file: "cgroup.freeze", frozen: "1", thawed: "0" },
} as const;

let _sandboxes = 0;

/**
 * Makes the sandbox's freezer group (cgroup v2, else the v1 freezer), after
 * removing the groups of emulators that were killed; falls back to signals,
 * saying why, where no group can be made. Never throws.
 *
 * @example
 * ```ts ignore
 * import { createFreezer } from "./freezer.ts";
 *
 * const freezer = await createFreezer();
 * console.log(freezer.path ?? `signals: ${freezer.reason}`);
 * await freezer.close();
 * ```
 */
export async function createFreezer(
  options: FreezerOptions = {},
): Promise<Freezer> {
  if (options.signals === true) return _bySignals("signals were asked for");
  let borrowed: BorrowedShell;
  try {
    borrowed = borrowShell(options.shell);
  } catch (error) {
    return _bySignals(`no shell to manage cgroups (${message(error)})`);
  }
  const { shell, release } = borrowed;
  let reason = "no cgroup freezer is mounted";
  const removed: string[] = [];
  try {
    const [mountinfo, self] = await readMounts(shell);
    const candidates = findCgroups(
      mountinfo,
      self,
      "freezer",
      (options.v2 ??
          findCgroups(mountinfo, self, "memory", [1]).length > 0)
        ? [2, 1]
        : [1],
    );
    for (const candidate of candidates) {
      const files = _FILES[candidate.version];
      removed.push(
        ...await removeStaleGroups(
          shell,
          candidate.parent,
          `echo ${files.thawed} > "$d/${files.file}" 2>/dev/null; `,
        ),
      );
      const path =
        `${candidate.parent}/rtl-lambda-${Deno.pid}-${ISOLATE}-${++_sandboxes}`;
      const made = await shell.run(
        `mkdir ${quote(path)} 2>/dev/null && ` +
          `echo ${files.thawed} > ${quote(`${path}/${files.file}`)} && echo ok`,
      );
      if (made.trim() === "ok") {
        return _byGroup(shell, release, candidate, path, removed);
      }
      await shell.run(`rmdir ${quote(path)} 2>/dev/null; true`);
      reason =
        `cannot make a freezer cgroup under ${candidate.parent} (run as root, or delegate one)`;
    }
  } catch (error) {
    reason = `cannot read the cgroup setup (${message(error)})`;
  }
  await release();
  return _bySignals(reason, removed);
}

function _byGroup(
  shell: CgroupShell,
  release: () => Promise<void>,
  location: CgroupLocation,
  path: string,
  removed: string[],
): Freezer {
  const files = _FILES[location.version];
  const state = quote(`${path}/${files.file}`);
  const procs = quote(`${path}/cgroup.procs`);
  const join = `{ echo $$ > ${procs} 2>/dev/null || ` +
    `echo "rtl-lambda emulator: could not join the freezer cgroup ${path}; this process is not frozen between invocations" >&2; }`;
  let frozen = false;
  let closed: Promise<void> | undefined;
  const write = async (value: string) => {
    try {
      await shell.run(`echo ${value} > ${state} 2>/dev/null; true`);
    } catch {
      // The shell is gone (closing): nothing is left to freeze.
    }
  };
  return {
    location,
    path,
    reason: "",
    removed,
    get frozen() {
      return frozen;
    },
    join,
    wrap: (
      command,
    ) => ["/bin/sh", "-c", `${join}; exec "$@"`, "sh", ...command],
    freeze() {
      if (frozen || closed !== undefined) return Promise.resolve();
      frozen = true;
      return write(files.frozen);
    },
    thaw() {
      if (!frozen) return Promise.resolve();
      frozen = false;
      return write(files.thawed);
    },
    close() {
      closed ??= (async () => {
        frozen = false;
        await write(files.thawed);
        try {
          await shell.run(
            `while read -r p; do kill -9 "$p" 2>/dev/null; done < ${procs}; ` +
              `for t in 1 2 3 4 5 6 7 8 9 10; do rmdir ${
                quote(path)
              } 2>/dev/null && break; sleep 0.05; done; true`,
          );
        } catch {
          // The shell is gone: nothing more to do.
        }
        await release();
      })();
      return closed;
    },
  };
}

function _bySignals(reason: string, removed: string[] = []): Freezer {
  let stopped: readonly Signalled[] = [];
  let frozen = false;
  const thaw = () => {
    if (!frozen) return Promise.resolve();
    frozen = false;
    for (const process of stopped) process.kill("SIGCONT");
    stopped = [];
    return Promise.resolve();
  };
  return {
    location: undefined,
    path: undefined,
    reason,
    removed,
    get frozen() {
      return frozen;
    },
    join: "",
    wrap: (command) => [...command],
    freeze(processes) {
      if (frozen) return Promise.resolve();
      frozen = true;
      stopped = [...processes];
      for (const process of stopped) process.kill("SIGSTOP");
      return Promise.resolve();
    },
    thaw,
    close: thaw,
  };
}
