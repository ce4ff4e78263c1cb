// A process left in a cgroup named for an emulator that is gone, as a SIGKILLed emulator leaves one.
import assert from "node:assert/strict";

/**
 * Spawns a `sleep` in a new group `${parent}/rtl-lambda-999999999-1` (pid 999999999 is above any pid_max:
 * its emulator cannot be running), resolved once it is in; `then` runs in it before the `sleep` (to freeze it).
 */
export async function leftoverIn(
  parent: string,
  then = "",
): Promise<{ group: string; process: Deno.ChildProcess }> {
  const group = `${parent}/rtl-lambda-999999999-1`;
  const process = new Deno.Command("sh", {
    args: [
      "-c",
      `mkdir "$1" && echo $$ > "$1/cgroup.procs" && echo in && ${
        then === "" ? "" : `${then}; `
      }exec sleep 600`,
      "sh",
      group,
    ],
    stdout: "piped",
  }).spawn();
  const reader = process.stdout.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), "in\n");
  reader.releaseLock();
  return { group, process };
}
