/**
 * The memory limit, enforced like Lambda's: each function process runs in a
 * memory cgroup of its own, limited to the memory size, whose peak is the
 * REPORT's `Max Memory Used` and whose OOM kills are the invocation's
 * `Runtime.OutOfMemory`.
 *
 * Deno lets only `--allow-all` touch `/proc` and `/sys`, so a shell does the
 * cgroup work: the function's command runs behind a `sh` that joins the group
 * and `exec`s it (its children follow), and one long-lived `sh` per emulator
 * reads the group's files with builtins, without a process per invocation
 * (the emulator gives the same shell to the sandbox freezer).
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
  unifiedMount,
} from "./_cgroups.ts";

export type { CgroupLocation };

/**
 * The line the group's wrapper writes to stderr once the process is in its
 * group, before it `exec`s the function: the supervisor starts the init
 * clock there and drops the line. Lambda makes the sandbox before its init
 * clock starts; a first join into a new group costs about 10 ms here.
 */
export const SANDBOX_READY_LINE: string = "rtl-lambda emulator: sandbox ready";

/** A function process's memory group. */
export interface MemoryGroup {
  /** The group's folder. */
  readonly path: string;
  /** The limit in bytes. */
  readonly limitBytes: number;
  /**
   * The command that creates and joins the group, then runs `command` in it;
   * `options.before` is a shell fragment run first in the same shell (the
   * sandbox freezer's join).
   */
  wrap(command: readonly string[], options?: { before?: string }): string[];
  /**
   * Peak memory in bytes: the group's, or the resident peak of process `pid`
   * when that is higher (its executable's pages, already cached for another
   * group, count for Lambda but are not charged here). The last figure once
   * the group is closed.
   */
  peak(pid?: number): Promise<number>;
  /** Whether the kernel killed a process of the group for memory (false until closed). */
  outOfMemory(): Promise<boolean>;
  /** Reads the final figures, ends what is left in the group and removes it. */
  close(): Promise<void>;
}

/** What the memory limits may share. */
export interface MemoryLimitsOptions {
  /** The cgroup shell to use, left open at `close()`; a new one of their own when absent. */
  shell?: CgroupShell;
}

/** The emulator's memory limits: groups when the machine allows, else nothing. */
export interface MemoryLimits {
  /** Where groups are made; `undefined` when the limit cannot be enforced here. */
  readonly location: CgroupLocation | undefined;
  /** Why the limit is not enforced; empty when it is. */
  readonly reason: string;
  /** The groups left by emulators that are gone (a `SIGKILL`), removed at start with what ran in them. */
  readonly removed: string[];
  /** A new group for the next function process; `undefined` when not enforced. */
  group(): MemoryGroup | undefined;
  /** Removes every group still there and ends the reader shell (unless it was given). */
  close(): Promise<void>;
}

/**
 * Reads `/proc/self/mountinfo` and `/proc/self/cgroup` and lists where
 * memory groups could be made, best first: the v1 `memory` controller (a
 * hybrid machine keeps memory there), then cgroup v2 when its `memory`
 * controller is available; within each, this process's own group, then the
 * hierarchy's root.
 *
 * @example
 * ```ts
 * import { findMemoryCgroups } from "./memory.ts";
 * import assert from "node:assert/strict";
 *
 * const mountinfo = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory";
 * assert.deepEqual(findMemoryCgroups(mountinfo, "4:memory:/app\n0::/\n", ""), [
 *   { version: 1, parent: "/sys/fs/cgroup/memory/app" },
 *   { version: 1, parent: "/sys/fs/cgroup/memory" },
 * ]);
 * ```
 */
export function findMemoryCgroups(
  mountinfo: string,
  selfCgroup: string,
  v2Controllers: string,
): CgroupLocation[] {
  const v2 = v2Controllers.split(/\s+/).includes("memory");
  return findCgroups(mountinfo, selfCgroup, "memory", v2 ? [1, 2] : [1]);
}

/** The names of a group's files, by cgroup version. */
const _FILES = {
  1: {
    limit: ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"],
    peak: "memory.max_usage_in_bytes",
    events: "memory.oom_control",
  },
  2: {
    limit: ["memory.max", "memory.swap.max"],
    peak: "memory.peak",
    events: "memory.events",
  },
} as const;

let _groups = 0;

/**
 * Finds a place for memory groups and proves it by making (and removing) a
 * group with the limit set. Never throws: where no group can be made, the
 * limits say why and give no groups.
 *
 * @example
 * ```ts ignore
 * import { createMemoryLimits } from "./memory.ts";
 *
 * const limits = await createMemoryLimits(128);
 * console.log(limits.location ?? `not enforced: ${limits.reason}`);
 * await limits.close();
 * ```
 */
export async function createMemoryLimits(
  memoryMB: number,
  options: MemoryLimitsOptions = {},
): Promise<MemoryLimits> {
  const limitBytes = Math.floor(memoryMB * 1024 * 1024);
  let borrowed: BorrowedShell;
  try {
    borrowed = borrowShell(options.shell);
  } catch (error) {
    return _unenforced(`no shell to manage cgroups (${message(error)})`);
  }
  const { shell, release } = borrowed;
  let location: CgroupLocation | undefined;
  let reason = "";
  try {
    const [mountinfo, self] = await readMounts(shell);
    const v2 = unifiedMount(mountinfo);
    const controllers = v2 === undefined
      ? ""
      : await shell.run(`cat ${quote(`${v2}/cgroup.controllers`)}`);
    const candidates = findMemoryCgroups(mountinfo, self, controllers);
    if (candidates.length === 0) {
      reason = "no cgroup memory controller is mounted";
    }
    for (const candidate of candidates) {
      const probe =
        `${candidate.parent}/rtl-lambda-probe-${Deno.pid}-${ISOLATE}`;
      const files = _FILES[candidate.version];
      const made = await shell.run(
        `${_createScript(probe, candidate.version, limitBytes)} && ` +
          `[ -r ${quote(`${probe}/${files.peak}`)} ] && echo ok; ` +
          `rmdir ${quote(probe)} 2>/dev/null`,
      );
      if (made.trim() === "ok") {
        location = candidate;
        break;
      }
      reason =
        `cannot make a memory cgroup under ${candidate.parent} (run as root, or delegate one)`;
    }
  } catch (error) {
    reason = `cannot read the cgroup setup (${message(error)})`;
  }
  if (location === undefined) {
    await release();
    return _unenforced(reason);
  }
  const found = location;
  const open = new Set<MemoryGroup>();
  const removed = await removeStaleGroups(shell, found.parent);
  return {
    location: found,
    reason: "",
    removed,
    group() {
      const group = _group(
        shell,
        `${found.parent}/rtl-lambda-${Deno.pid}-${ISOLATE}-${++_groups}`,
        found.version,
        limitBytes,
        () => open.delete(group),
      );
      open.add(group);
      return group;
    },
    async close() {
      await Promise.all([...open].map((group) => group.close()));
      await release();
    },
  };
}

function _unenforced(reason: string): MemoryLimits {
  return {
    location: undefined,
    reason,
    removed: [],
    group: () => undefined,
    close: () => Promise.resolve(),
  };
}

function _group(
  shell: CgroupShell,
  path: string,
  version: 1 | 2,
  limitBytes: number,
  onClose: () => void,
): MemoryGroup {
  const files = _FILES[version];
  const peakFile = quote(`${path}/${files.peak}`);
  let peak = 0;
  let oomKills = 0;
  let closed: Promise<void> | undefined;
  async function readPeak(pid?: number): Promise<number> {
    const status = pid === undefined ? "" : quote(`/proc/${pid}/status`);
    try {
      const text = await shell.run(
        `read -r v < ${peakFile} && echo "c $v"` +
          (pid === undefined
            ? ""
            : `; while read -r k v _; do [ "$k" = VmHWM: ] && echo "h $v"; done < ${status}`),
      );
      for (
        const [kind, value] of text.split("\n").map((line) => line.split(" "))
      ) {
        const bytes = Number(value) * (kind === "h" ? 1024 : 1);
        if (Number.isFinite(bytes) && bytes > peak) peak = bytes;
      }
    } catch {
      // The group or the shell is gone: the last figure stands.
    }
    return peak;
  }
  return {
    path,
    limitBytes,
    wrap(command, options) {
      // Made by the process itself, so that it is in the group before its first allocation.
      return [
        "/bin/sh",
        "-c",
        `${options?.before === undefined ? "" : `${options.before}; `}${
          _createScript('"$0"', version, limitBytes, true)
        } && echo $$ > "$0/cgroup.procs" && echo '${SANDBOX_READY_LINE}' >&2 || ` +
        `echo "rtl-lambda emulator: could not join the memory cgroup $0; the limit is not enforced" >&2; exec "$@"`,
        path,
        ...command,
      ];
    },
    peak: (pid) => closed === undefined ? readPeak(pid) : Promise.resolve(peak),
    outOfMemory: async () => {
      await closed;
      return oomKills > 0;
    },
    close() {
      closed ??= (async () => {
        await readPeak();
        try {
          const events = quote(`${path}/${files.events}`);
          const text = await shell.run(
            `while read -r k v; do [ "$k" = oom_kill ] && echo "$v"; done < ${events}; ` +
              // What escaped the process group still holds the group: it is ended too.
              `while read -r p; do kill -9 "$p" 2>/dev/null; done < ${
                quote(`${path}/cgroup.procs`)
              }; ` +
              `for t in 1 2 3 4 5 6 7 8 9 10; do rmdir ${
                quote(path)
              } 2>/dev/null && break; sleep 0.05; done; true`,
          );
          oomKills = Number(text.trim().split("\n")[0]) || 0;
        } catch {
          // The shell is gone: nothing more to learn.
        }
        onClose();
      })();
      return closed;
    },
  };
}

/** The `sh` that makes a group at `path` (already quoted when `quoted`) with the limit set. */
function _createScript(
  path: string,
  version: 1 | 2,
  limitBytes: number,
  quoted = false,
): string {
  const dir = quoted ? path : quote(path);
  const [limit, swap] = _FILES[version].limit;
  // With swap on, the v1 limit alone lets a process swap around it; v2 gets no swap at all.
  const swapValue = version === 1 ? String(limitBytes) : "0";
  return `mkdir ${dir} 2>/dev/null && echo ${limitBytes} > ${dir}/${limit} && ` +
    `{ [ ! -e ${dir}/${swap} ] || echo ${swapValue} > ${dir}/${swap}; }`;
}
