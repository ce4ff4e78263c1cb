// The runtime exits promptly when the Runtime API is gone: a real emulator CLI, killed with SIGKILL mid-invocation.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url).pathname;
const deno = Deno.execPath();

/** The process state letter of `pid` (`ps`: /proc needs all permissions), or "" when there is none. */
async function state(pid: number): Promise<string> {
  const { stdout } = await new Deno.Command("ps", {
    args: ["-o", "stat=", "-p", String(pid)],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).trim().slice(0, 1);
}

/** Whether `pid` still runs: a zombie (nobody here reaps orphans) counts as gone. */
async function alive(pid: number): Promise<boolean> {
  const letter = await state(pid);
  return letter !== "" && letter !== "Z";
}

Deno.test("a function whose emulator was SIGKILLed mid-invocation exits at its deadline", async () => {
  const child = new Deno.Command(deno, {
    args: [
      "run",
      "-P=emulator",
      "--no-prompt",
      `${root}src/emulator/mod.ts`,
      `${root}tests/fixtures/api_gone_function.ts`,
      "--port",
      "0",
      "--timeout",
      "2",
    ],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  await using _child = {
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
    },
  };
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
  }
  assert.ok(url, `the CLI did not say where it listens:\n${text}`);
  // Drained so the emulator never blocks on a full pipe.
  const drained = (async () => {
    for (;;) {
      const { done } = await reader.read();
      if (done) return;
    }
  })();
  const invoke = `${url}/2015-03-31/functions/function/invocations`;
  const { pid } = await (await fetch(invoke, { method: "POST", body: "{}" }))
    .json();
  assert.ok(await alive(pid), "the function process runs");

  // The handler sleeps far past the 2 s timeout; the caller's request dies with the emulator.
  const sleeping = fetch(invoke, {
    method: "POST",
    body: JSON.stringify({ sleepMs: 60_000 }),
  }).then((response) => response.body?.cancel(), () => {});
  // Sure the invocation reached the handler: the emulator thawed and delivered it (bounded wait on its ps state).
  for (let i = 0; i < 100; i++) {
    if (await state(pid) !== "T") break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGKILL");
  await child.status;
  await sleeping;
  await drained;

  // Bounded: 2 s of timeout plus a margin, in small steps; the handler alone would sleep 60 s.
  let gone = false;
  for (let i = 0; i < 150 && !gone; i++) {
    gone = !(await alive(pid));
    if (!gone) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!gone) Deno.kill(pid, "SIGKILL");
  assert.ok(gone, "the function process outlived its deadline by seconds");
});
