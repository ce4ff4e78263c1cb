// The sandbox freezer on real processes: its cgroup (v2 or v1, whichever the machine gives) or its signals
// fallback stops every process of the sandbox and resumes them; a frozen group is still killable; a killed
// emulator's frozen group is cleaned at the next start.
import assert from "node:assert/strict";
import {
  createFreezer,
  type Freezer,
  type FreezerOptions,
} from "../local/src/freezer.ts";
import {
  type FunctionProcess,
  startFunctionProcess,
} from "../local/src/function_process.ts";
import { eventually, freezeState } from "./_frozen.ts";
import { leftoverIn } from "./_leftover.ts";

/** A process in the sandbox that only waits to be killed. */
function sleeper(freezer: Freezer): FunctionProcess {
  return startFunctionProcess({
    command: ["sleep", "600"],
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    output: () => {},
    freezer,
  });
}

/** The pid of the `sleep` itself: the wrapper shell `exec`s it, so it keeps the pid; its state tells. */
async function settled(process: FunctionProcess): Promise<number> {
  // The wrapper has joined the group once the process runs `sleep` (its cmdline says so).
  await eventually("the process runs sleep", async () => {
    const { stdout } = await new Deno.Command("ps", {
      args: ["-o", "comm=", "-p", String(process.pid)],
      stdout: "piped",
    }).output();
    return new TextDecoder().decode(stdout).trim() === "sleep";
  });
  return process.pid;
}

const probe = await createFreezer();
await probe.close();
const v1 = await createFreezer({ v2: false });
await v1.close();

const ways: { how: string; options: FreezerOptions; ignore: boolean }[] = [
  {
    how: `by its preferred cgroup (here v${probe.location?.version})`,
    options: {},
    ignore: probe.location === undefined,
  },
  {
    how: "by the cgroup v1 freezer",
    options: { v2: false },
    ignore: v1.location === undefined,
  },
  { how: "by signals", options: { signals: true }, ignore: false },
];

for (const { how, options, ignore } of ways) {
  const signals = options.signals === true;
  Deno.test({
    name: `the sandbox freezer, ${how}`,
    ignore,
    fn: async (t) => {
      const freezer = await createFreezer(options);
      const processes = [sleeper(freezer), sleeper(freezer)];
      try {
        const pids = await Promise.all(processes.map(settled));
        assert.equal(freezer.path === undefined, signals);

        await t.step("freezes every process of the sandbox", async () => {
          await freezer.freeze(processes);
          assert.equal(freezer.frozen, true);
          for (const pid of pids) {
            await eventually(
              `${pid} is frozen`,
              async () => await freezeState(pid) === "frozen",
            );
          }
        });

        await t.step("thaws them all", async () => {
          await freezer.thaw();
          assert.equal(freezer.frozen, false);
          for (const pid of pids) {
            await eventually(
              `${pid} runs`,
              async () => await freezeState(pid) === "running",
            );
          }
        });

        await t.step(
          "a process of a frozen sandbox is killed once thawed, as the emulator's kills are",
          async () => {
            await freezer.freeze(processes);
            await eventually(
              "frozen",
              async () => await freezeState(pids[0]) === "frozen",
            );
            await freezer.thaw();
            processes[0].kill();
            assert.equal((await processes[0].exited).signal, "SIGKILL");
          },
        );

        if (!signals) {
          await t.step(
            "closing a frozen group ends what is still in it",
            async () => {
              await freezer.freeze(processes);
              await freezer.close();
              assert.equal((await processes[1].exited).signal, "SIGKILL");
            },
          );
        }
      } finally {
        for (const process of processes) process.kill();
        await Promise.all(processes.map((process) => process.exited));
        await freezer.close();
      }
    },
  });
}

Deno.test({
  name: "freezer cgroups left by a killed emulator",
  ignore: probe.location === undefined,
  fn: async (t) => {
    await t.step(
      "are thawed and removed at start, with the frozen process in one killed",
      async () => {
        const files = probe.location!.version === 1
          ? { state: "freezer.state", frozen: "FROZEN" }
          : { state: "cgroup.freeze", frozen: "1" };
        const { group: stale, process } = await leftoverIn(
          probe.location!.parent,
          `echo ${files.frozen} > "$1/${files.state}"`,
        );
        await using leftover = process;
        await eventually(
          "the leftover is frozen",
          async () => await freezeState(leftover.pid) === "frozen",
        );
        const freezer = await createFreezer();
        try {
          // Another emulator starting in parallel may be the one that removed it: the group is gone either way.
          assert.equal((await leftover.status).signal, "SIGKILL");
          const exists = await new Deno.Command("test", { args: ["-d", stale] })
            .output();
          assert.equal(exists.success, false);
        } finally {
          await freezer.close();
        }
      },
    );
  },
});
