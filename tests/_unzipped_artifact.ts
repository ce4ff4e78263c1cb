// A built zip unpacked as Lambda's task root (read-only, the zip's modes kept) and started through its
// `bootstrap` under the emulator as Lambda would: no HOME, no DENO_DIR, nothing beyond loopback.
import assert from "node:assert/strict";
import { type Emulator, startEmulator } from "../local/mod.ts";

/** Lambda's task root: `zipPath` unpacked into `work/task` with its modes, `main.js` edited if asked, then made read-only. */
export async function taskRoot(
  zipPath: string,
  work: string,
  edit?: (js: string) => string,
): Promise<string> {
  const task = `${work}/task`;
  await Deno.mkdir(work, { recursive: true });
  // Info-ZIP keeps the modes the archive records, as Lambda does, and is many times faster than fflate here.
  const unzip = await new Deno.Command("unzip", {
    args: ["-q", zipPath, "-d", task],
  }).output();
  assert.equal(unzip.code, 0, new TextDecoder().decode(unzip.stderr));
  if (edit) {
    const main = `${task}/main.js`;
    await Deno.writeTextFile(main, edit(await Deno.readTextFile(main)));
  }
  await chmodTree(task, (mode) => mode & ~0o222);
  return task;
}

/** Starts the emulator on `task/bootstrap` without HOME or DENO_DIR, any request beyond loopback refused, `env` added. */
export function lambdaLike(
  task: string,
  output: string[],
  options: { functionName?: string; env?: Record<string, string> } = {},
): Promise<Emulator> {
  return startEmulator({
    command: [
      "/usr/bin/env",
      "-u",
      "HOME",
      "-u",
      "DENO_DIR",
      `${task}/bootstrap`,
    ],
    cwd: task,
    port: 0,
    timeout: 30,
    functionName: options.functionName ?? "echo",
    env: {
      HTTPS_PROXY: "http://127.0.0.1:9",
      HTTP_PROXY: "http://127.0.0.1:9",
      NO_PROXY: "127.0.0.1",
      ...options.env,
    },
    output: (line) => output.push(line),
  });
}

/** Changes the mode of `dir` and everything under it (write bits back before removing a read-only tree). */
export async function chmodTree(
  dir: string,
  change: (mode: number) => number,
): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const child = `${dir}/${entry.name}`;
    if (entry.isDirectory) await chmodTree(child, change);
    await Deno.chmod(child, change((await Deno.stat(child)).mode! & 0o7777));
  }
  await Deno.chmod(dir, change((await Deno.stat(dir)).mode! & 0o7777));
}
