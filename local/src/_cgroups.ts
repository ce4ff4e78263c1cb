// What the memory limits and the sandbox freezer share: finding cgroup hierarchies, the one long-lived
// `sh` that touches them (Deno lets only --allow-all write /sys), and removing groups of a killed emulator.

/**
 * Where cgroups can be made: a cgroup v1 hierarchy or the v2 one, and the
 * folder new groups go in.
 */
export interface CgroupLocation {
  /** 1 for a v1 controller's hierarchy, 2 for the unified hierarchy. */
  readonly version: 1 | 2;
  /** The folder to make groups in. */
  readonly parent: string;
}

/** Told apart from other isolates of this process (deno test --parallel workers share its pid). */
export const ISOLATE: string = crypto.randomUUID().slice(0, 8);

/**
 * Where groups could be made, in the order of `versions`: v1 is the
 * hierarchy with `controller` mounted, v2 the unified one (the caller checks
 * its controllers); within each, this process's own group, then the root.
 */
export function findCgroups(
  mountinfo: string,
  selfCgroup: string,
  controller: string,
  versions: readonly (1 | 2)[],
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
  for (const version of versions) {
    if (version === 1) {
      const v1 = mounts.find((mount) =>
        mount.type === "cgroup" && mount.options.includes(controller)
      );
      if (v1 === undefined) continue;
      const own = memberships.find((membership) =>
        membership.controllers.includes(controller)
      );
      add(1, v1.mountPoint, v1.root, own?.path);
    } else {
      const v2 = mounts.find((mount) => mount.type === "cgroup2");
      if (v2 === undefined) continue;
      const own = memberships.find((membership) =>
        membership.id === "0" && membership.controllers.join("") === ""
      );
      add(2, v2.mountPoint, v2.root, own?.path);
    }
  }
  return found;
}

/** The unified hierarchy's mount point in `mountinfo`, if it is mounted. */
export function unifiedMount(mountinfo: string): string | undefined {
  const v2 = /^\S+ \S+ \S+ \S+ (\S+) .* - cgroup2 /m.exec(mountinfo);
  return v2 === null ? undefined : _unescape(v2[1]);
}

/**
 * Removes the groups under `parent` named for an emulator process that no
 * longer runs (`rtl-lambda-PID-…`), killing what still ran in them; `before`
 * runs first in each (`$d` is the group), to thaw a frozen one. Returns the
 * groups removed.
 */
export async function removeStaleGroups(
  shell: CgroupShell,
  parent: string,
  before = "",
): Promise<string[]> {
  const script = `for d in ${quote(parent)}/rtl-lambda-*; do ` +
    `[ -d "$d" ] || continue; n=\${d##*/rtl-lambda-}; n=\${n#probe-}; p=\${n%%-*}; ` +
    `[ "$p" = "${Deno.pid}" ] && continue; [ -d "/proc/$p" ] && continue; ${before}` +
    `for q in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$q" 2>/dev/null; done; ` +
    `i=0; until rmdir "$d" 2>/dev/null; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.02; done; ` +
    `[ -d "$d" ] || echo "$d"; done; true`;
  try {
    return (await shell.run(script)).split("\n").filter((line) => line !== "");
  } catch {
    return [];
  }
}

/** A shell to use: the one given, kept open by `release`, or a new one that `release` ends. */
export interface BorrowedShell {
  shell: CgroupShell;
  release(): Promise<void>;
}

/** The shell given, or a new one; throws what stopped a new one from starting. */
export function borrowShell(given: CgroupShell | undefined): BorrowedShell {
  const shell = given ?? new CgroupShell();
  return {
    shell,
    release: () => given === undefined ? shell.close() : Promise.resolve(),
  };
}

/** This process's view of the cgroup mounts: `/proc/self/mountinfo` and `/proc/self/cgroup`. */
export function readMounts(
  shell: CgroupShell,
): Promise<[mountinfo: string, self: string]> {
  return Promise.all([
    shell.run("cat /proc/self/mountinfo"),
    shell.run("cat /proc/self/cgroup"),
  ]);
}

/** One long-lived `sh`: scripts go in on stdin, their output comes back up to a marker line. */
export class CgroupShell {
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
      // Out of the emulator's process group: a terminal's Ctrl-C must leave it to remove the groups.
      detached: true,
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

  /** Waits for the scripts queued, then ends the shell. */
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

/** `text` as one single-quoted shell word. */
export function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** An error's message, whatever was thrown. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
