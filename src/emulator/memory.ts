/**
 * The memory limit, enforced like Lambda's: each function process runs in a
 * memory cgroup of its own, limited to the memory size, whose peak is the
 * REPORT's `Max Memory Used` and whose OOM kills are the invocation's
 * `Runtime.OutOfMemory`.
 *
 * Deno lets only `--allow-all` touch `/proc` and `/sys`, so a shell does the
 * cgroup work: the function's command runs behind a `sh` that joins the group
 * and `exec`s it (its children follow), and one long-lived `sh` per emulator
 * reads the group's files with builtins, without a process per invocation.
 *
 * @module
 */

/**
 * Where memory cgroups can be made: a cgroup v1 `memory` hierarchy or a
 * cgroup v2 one, and the folder new groups go in.
 */
export interface CgroupLocation {
  /** 1 for the v1 `memory` controller, 2 for the unified hierarchy. */
  readonly version: 1 | 2;
  /** The folder to make groups in. */
  readonly parent: string;
}

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
  /** The command that creates and joins the group, then runs `command` in it. */
  wrap(command: readonly string[]): string[];
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
  /** Removes every group still there and ends the reader shell. */
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
  const mounts = mountinfo.split("\n").map(_parseMount).filter((mount) =>
    mount !== undefined
  );
  const memberships = selfCgroup.split("\n").map((line) => {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    return first < 0 || second < 0 ? undefined : {
      id: line.slice(0, first),
      controllers: line.slice(first + 1, second).split(","),
      path: line.slice(second + 1),
    };
  }).filter((membership) => membership !== undefined);
  const found: CgroupLocation[] = [];
  const add = (version: 1 | 2, mountPoint: string, root: string, path = "") => {
    const relative = path.startsWith(root) ? path.slice(root.length) : "";
    for (const parent of [_join(mountPoint, relative), mountPoint]) {
      if (!found.some((location) => location.parent === parent)) {
        found.push({ version, parent });
      }
    }
  };
  const v1 = mounts.find((mount) =>
    mount.type === "cgroup" && mount.options.includes("memory")
  );
  if (v1 !== undefined) {
    const own = memberships.find((membership) =>
      membership.controllers.includes("memory")
    );
    add(1, v1.mountPoint, v1.root, own?.path);
  }
  const v2 = mounts.find((mount) => mount.type === "cgroup2");
  if (
    v2 !== undefined && v2Controllers.split(/\s+/).includes("memory")
  ) {
    const own = memberships.find((membership) =>
      membership.id === "0" && membership.controllers.join("") === ""
    );
    add(2, v2.mountPoint, v2.root, own?.path);
  }
  return found;
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
/** Told apart from other isolates of this process (deno test --parallel workers share its pid). */
const _ISOLATE = crypto.randomUUID().slice(0, 8);

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
): Promise<MemoryLimits> {
  const limitBytes = Math.floor(memoryMB * 1024 * 1024);
  let shell: _Shell;
  try {
    shell = new _Shell();
  } catch (error) {
    return _unenforced(`no shell to manage cgroups (${_message(error)})`);
  }
  let location: CgroupLocation | undefined;
  let reason = "";
  try {
    const [mountinfo, self] = await Promise.all([
      shell.run("cat /proc/self/mountinfo"),
      shell.run("cat /proc/self/cgroup"),
    ]);
    const v2 = /^\S+ \S+ \S+ \S+ (\S+) .* - cgroup2 /m.exec(mountinfo);
    const controllers = v2 === null ? "" : await shell.run(
      `cat ${_quote(`${_unescape(v2[1])}/cgroup.controllers`)}`,
    );
    const candidates = findMemoryCgroups(mountinfo, self, controllers);
    if (candidates.length === 0) {
      reason = "no cgroup memory controller is mounted";
    }
    for (const candidate of candidates) {
      const probe =
        `${candidate.parent}/rtl-lambda-probe-${Deno.pid}-${_ISOLATE}`;
      const files = _FILES[candidate.version];
      const made = await shell.run(
        `${_createScript(probe, candidate.version, limitBytes)} && ` +
          `[ -r ${_quote(`${probe}/${files.peak}`)} ] && echo ok; ` +
          `rmdir ${_quote(probe)} 2>/dev/null`,
      );
      if (made.trim() === "ok") {
        location = candidate;
        break;
      }
      reason =
        `cannot make a memory cgroup under ${candidate.parent} (run as root, or delegate one)`;
    }
  } catch (error) {
    reason = `cannot read the cgroup setup (${_message(error)})`;
  }
  if (location === undefined) {
    await shell.close();
    return _unenforced(reason);
  }
  const found = location;
  const open = new Set<MemoryGroup>();
  const removed = await _removeStale(shell, found.parent);
  return {
    location: found,
    reason: "",
    removed,
    group() {
      const group = _group(
        shell,
        `${found.parent}/rtl-lambda-${Deno.pid}-${_ISOLATE}-${++_groups}`,
        found.version,
        limitBytes,
        () => open.delete(group),
      );
      open.add(group);
      return group;
    },
    async close() {
      await Promise.all([...open].map((group) => group.close()));
      await shell.close();
    },
  };
}

/** Groups named for an emulator process that no longer runs: their processes are killed and the groups removed. */
async function _removeStale(shell: _Shell, parent: string): Promise<string[]> {
  const script = `for d in ${_quote(parent)}/rtl-lambda-*; do ` +
    `[ -d "$d" ] || continue; n=\${d##*/rtl-lambda-}; n=\${n#probe-}; p=\${n%%-*}; ` +
    `[ "$p" = "${Deno.pid}" ] && continue; [ -d "/proc/$p" ] && continue; ` +
    `for q in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$q" 2>/dev/null; done; ` +
    `i=0; until rmdir "$d" 2>/dev/null; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.02; done; ` +
    `[ -d "$d" ] || echo "$d"; done; true`;
  try {
    return (await shell.run(script)).split("\n").filter((line) => line !== "");
  } catch {
    return [];
  }
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
  shell: _Shell,
  path: string,
  version: 1 | 2,
  limitBytes: number,
  onClose: () => void,
): MemoryGroup {
  const files = _FILES[version];
  const peakFile = _quote(`${path}/${files.peak}`);
  let peak = 0;
  let oomKills = 0;
  let closed: Promise<void> | undefined;
  async function readPeak(pid?: number): Promise<number> {
    const status = pid === undefined ? "" : _quote(`/proc/${pid}/status`);
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
    wrap(command) {
      // Made by the process itself, so that it is in the group before its first allocation.
      return [
        "/bin/sh",
        "-c",
        `${
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
          const events = _quote(`${path}/${files.events}`);
          const text = await shell.run(
            `while read -r k v; do [ "$k" = oom_kill ] && echo "$v"; done < ${events}; ` +
              // What escaped the process group still holds the group: it is ended too.
              `while read -r p; do kill -9 "$p" 2>/dev/null; done < ${
                _quote(`${path}/cgroup.procs`)
              }; ` +
              `for t in 1 2 3 4 5 6 7 8 9 10; do rmdir ${
                _quote(path)
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
  const dir = quoted ? path : _quote(path);
  const [limit, swap] = _FILES[version].limit;
  // With swap on, the v1 limit alone lets a process swap around it; v2 gets no swap at all.
  const swapValue = version === 1 ? String(limitBytes) : "0";
  return `mkdir ${dir} 2>/dev/null && echo ${limitBytes} > ${dir}/${limit} && ` +
    `{ [ ! -e ${dir}/${swap} ] || echo ${swapValue} > ${dir}/${swap}; }`;
}

/** One long-lived `sh`: scripts go in on stdin, their output comes back up to a marker line. */
class _Shell {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor() {
    this.#child = new Deno.Command("/bin/sh", {
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" },
      clearEnv: true,
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#lines = _splitLines(this.#child.stdout)[Symbol.asyncIterator]();
  }

  /** Runs `script` and resolves with what it printed. */
  run(script: string): Promise<string> {
    const result = this.#queue.then(() => this.#run(script));
    this.#queue = result.catch(() => {});
    return result;
  }

  async #run(script: string): Promise<string> {
    if (this.#closed) throw new Error("the cgroup shell is closed");
    await this.#writer.write(
      new TextEncoder().encode(`${script}\necho "${_MARKER}"\n`),
    );
    let output = "";
    for (;;) {
      const next = await this.#lines.next();
      if (next.done) throw new Error("the cgroup shell exited");
      if (next.value === _MARKER) return output;
      output += next.value + "\n";
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue;
    this.#closed = true;
    try {
      await this.#writer.close();
    } catch {
      // Already gone.
    }
    await this.#child.status;
    await this.#lines.return?.();
  }
}

const _MARKER = "--rtl-lambda-cgroup-shell-done--";

async function* _splitLines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  let rest = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + text).split("\n");
    rest = lines.pop() ?? "";
    yield* lines;
  }
  if (rest !== "") yield rest;
}

interface _Mount {
  root: string;
  mountPoint: string;
  type: string;
  options: string[];
}

function _parseMount(line: string): _Mount | undefined {
  const dash = line.indexOf(" - ");
  if (dash < 0) return undefined;
  const fields = line.slice(0, dash).split(" ");
  const [type, , superOptions = ""] = line.slice(dash + 3).split(" ");
  if (fields.length < 5) return undefined;
  return {
    root: _unescape(fields[3]),
    mountPoint: _unescape(fields[4]),
    type,
    options: superOptions.split(","),
  };
}

// mountinfo writes space, tab, newline and backslash as octal escapes.
function _unescape(field: string): string {
  return field.replace(
    /\\([0-7]{3})/g,
    (_, octal: string) => String.fromCharCode(parseInt(octal, 8)),
  );
}

function _join(base: string, relative: string): string {
  const tail = relative.replace(/^\/+|\/+$/g, "");
  return tail === "" ? base : `${base}/${tail}`;
}

function _quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
