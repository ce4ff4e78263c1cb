// Whether a process is frozen, read from outside as the kernel tells it (/proc needs all permissions, so a
// shell reads it): stopped by a signal (state T), or in a freezer cgroup that is frozen (v1 or v2).

const _SCRIPT = `
s=$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null) || { echo gone; exit; }
[ "$s" = T ] && { echo frozen; exit; }
v2=$(sed -n 's/^[^ ]* [^ ]* [^ ]* [^ ]* \\([^ ]*\\) .* - cgroup2 .*/\\1/p' /proc/self/mountinfo | head -n 1)
v1=$(sed -n 's/^[^ ]* [^ ]* [^ ]* [^ ]* \\([^ ]*\\) .* - cgroup cgroup .*freezer.*/\\1/p' /proc/self/mountinfo | head -n 1)
while IFS=: read -r id controllers path; do
  case "$path" in */rtl-lambda-*) ;; *) continue ;; esac
  if [ "$controllers" = freezer ] && grep -qx FROZEN "$v1$path/freezer.state" 2>/dev/null; then echo frozen; exit; fi
  if [ "$id" = 0 ] && grep -qx 'frozen 1' "$v2$path/cgroup.events" 2>/dev/null; then echo frozen; exit; fi
done < /proc/$1/cgroup
echo running
`;

/** "frozen", "running", or "gone" when there is no such process. */
export async function freezeState(
  pid: number,
): Promise<"frozen" | "running" | "gone"> {
  const { stdout } = await new Deno.Command("/bin/sh", {
    args: ["-c", _SCRIPT, "sh", String(pid)],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).trim() as
    | "frozen"
    | "running"
    | "gone";
}

/** Polls `check` every 20 ms until it holds, and throws after `tries` (a bound, not a timing claim). */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  tries = 500,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`Never happened: ${what}`);
}
