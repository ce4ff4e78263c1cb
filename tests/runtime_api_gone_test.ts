// The runtime exits promptly when the Runtime API is gone: a real emulator CLI, killed with SIGKILL mid-invocation.
import assert from "node:assert/strict";
import { startEmulatorCli } from "./_emulator_cli.ts";
import { eventually, freezeState } from "./_frozen.ts";

const root = new URL("../", import.meta.url).pathname;

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
  await using cli = await startEmulatorCli([
    `${root}tests/fixtures/api_gone_function.ts`,
    "--port",
    "0",
    "--timeout",
    "2",
  ]);
  const invoke = `${cli.url}/2015-03-31/functions/function/invocations`;
  const { pid } = await (await fetch(invoke, { method: "POST", body: "{}" }))
    .json();
  assert.ok(await alive(pid), "the function process runs");

  // The handler sleeps far past the 2 s timeout; the caller's request dies with the emulator.
  const sleeping = fetch(invoke, {
    method: "POST",
    body: JSON.stringify({ sleepMs: 60_000 }),
  }).then((response) => response.body?.cancel(), () => {});
  // Sure the invocation reached the handler: the emulator thawed and delivered it (bounded wait on its state).
  await eventually(
    "the function is thawed",
    async () => await freezeState(pid) === "running",
  );
  cli.process.kill("SIGKILL");
  await cli.process.status;
  await sleeping;

  // Bounded: 2 s of timeout plus a margin, in small steps; the handler alone would sleep 60 s.
  let gone = false;
  for (let i = 0; i < 150 && !gone; i++) {
    gone = !(await alive(pid));
    if (!gone) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!gone) Deno.kill(pid, "SIGKILL");
  assert.ok(gone, "the function process outlived its deadline by seconds");
});
