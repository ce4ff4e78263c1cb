// Memory: V8's heap sized to the memory size, the runtime's warning near the limit, and the emulator's
// cgroup that enforces the limit and reports Max Memory Used as Lambda does.
import assert from "node:assert/strict";
import type { Logger } from "../src/runtime.ts";
import { heapFlags, heapPlan, heapScript } from "../local/src/heap.ts";
import { createMemoryWatch, type MemoryReading } from "../src/memory/watch.ts";
import { emulate } from "./_emulator.ts";
import {
  createMemoryLimits,
  findMemoryCgroups,
  SANDBOX_READY_LINE,
} from "../local/src/memory.ts";

const MB = 1024 * 1024;
const FUNCTION = new URL("./fixtures/memory_function.ts", import.meta.url)
  .pathname;
const SIZES = [128, 129, 256, 512, 1000, 1024, 1769, 3008, 10240];

async function sh(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string }> {
  const output = await new Deno.Command("/bin/sh", {
    args: ["-c", script],
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout).trim(),
  };
}

Deno.test("heap sizing", async (t) => {
  await t.step(
    "splits every Lambda size into young space, old space and a reserve that add up to it",
    () => {
      for (const size of SIZES) {
        const plan = heapPlan(size);
        assert.equal(
          plan.oldSpaceMB + 3 * plan.semiSpaceMB + plan.reserveMB,
          size,
          `${size} MB`,
        );
        assert.ok(plan.reserveMB >= 40, `${size} MB keeps room for Deno`);
        assert.ok(plan.semiSpaceMB >= 1 && plan.semiSpaceMB <= 32);
      }
    },
  );

  await t.step("gives a larger memory size a larger heap", () => {
    for (let i = 1; i < SIZES.length; i++) {
      assert.ok(
        heapPlan(SIZES[i]).oldSpaceMB > heapPlan(SIZES[i - 1]).oldSpaceMB,
      );
    }
  });

  await t.step("refuses a memory size that is not a positive number", () => {
    assert.throws(() => heapFlags(0), RangeError);
    assert.throws(() => heapFlags(Number.NaN), RangeError);
  });

  await t.step(
    "yields flags this Deno accepts, and V8's heap limit follows them",
    async () => {
      const plan = heapPlan(128);
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          'import v8 from "node:v8"; console.log(v8.getHeapStatistics().heap_size_limit)',
        ],
        env: { DENO_V8_FLAGS: heapFlags(128).join(",") },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
      const limit = Number(new TextDecoder().decode(output.stdout)) / MB;
      assert.equal(limit, plan.oldSpaceMB + 3 * plan.semiSpaceMB);
    },
  );

  await t.step(
    "computes in the bootstrap's shell the same flags as heapFlags",
    async () => {
      for (const size of SIZES) {
        const { code, stdout } = await sh(
          `set -eu\n${heapScript()}printf %s "$DENO_V8_FLAGS"`,
          { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(size) },
        );
        assert.equal(code, 0);
        assert.equal(stdout, heapFlags(size).join(","), `${size} MB`);
      }
    },
  );

  await t.step(
    "puts the user's DENO_V8_FLAGS after the sized ones, so that they win",
    async () => {
      const { stdout } = await sh(`${heapScript()}printf %s "$DENO_V8_FLAGS"`, {
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
        DENO_V8_FLAGS: "--max-old-space-size=100",
      });
      assert.equal(
        stdout,
        [...heapFlags(512), "--max-old-space-size=100"].join(","),
      );
    },
  );

  await t.step("leaves V8 alone with RTL_LAMBDA_HEAP=off", async () => {
    const { stdout } = await sh(
      `set -eu\n${heapScript()}printf %s "\${DENO_V8_FLAGS:-none}"`,
      { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512", RTL_LAMBDA_HEAP: "off" },
    );
    assert.equal(stdout, "none");
  });

  await t.step(
    "sizes for 128 MB when the memory size is missing or not a number",
    async () => {
      const cases: Record<string, string>[] = [
        {},
        { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "lots" },
      ];
      for (const env of cases) {
        const { stdout } = await sh(
          `set -eu\n${heapScript()}printf %s "$DENO_V8_FLAGS"`,
          env,
        );
        assert.equal(stdout, heapFlags(128).join(","));
      }
    },
  );
});

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const ignore = () => {};
  return {
    errors,
    trace: ignore,
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: (message) => errors.push(message),
    fatal: ignore,
  };
}

function reading(rssMB: number): MemoryReading {
  return {
    rss: rssMB * MB,
    heapTotal: 40 * MB,
    heapUsed: 30 * MB,
    external: 5 * MB,
  };
}

Deno.test("the memory watch", async (t) => {
  await t.step(
    "logs Runtime.OutOfMemory with the figures at 90% of the memory size",
    () => {
      const logger = recordingLogger();
      const watch = createMemoryWatch({
        memorySizeMB: 128,
        logger,
        read: () => reading(120),
      });
      watch.afterInvocation(1 * MB);
      assert.equal(logger.errors.length, 1);
      assert.match(logger.errors[0], /^Runtime\.OutOfMemory: /);
      assert.match(logger.errors[0], /120 MB of its 128 MB/);
      assert.match(
        logger.errors[0],
        /heap 30 MB used of 40 MB, 5 MB in buffers/,
      );
    },
  );

  await t.step("stays quiet below 90%", () => {
    const logger = recordingLogger();
    const watch = createMemoryWatch({
      memorySizeMB: 128,
      logger,
      read: () => reading(110),
    });
    watch.afterInvocation(1 * MB);
    assert.deepEqual(logger.errors, []);
  });

  await t.step(
    "says it once per approach, again after memory went below 80%",
    () => {
      const logger = recordingLogger();
      let rss = 120;
      const watch = createMemoryWatch({
        memorySizeMB: 128,
        logger,
        read: () => reading(rss),
      });
      watch.afterInvocation(1 * MB);
      watch.afterInvocation(1 * MB);
      assert.equal(logger.errors.length, 1);
      rss = 90;
      watch.afterInvocation(1 * MB);
      rss = 125;
      // A quarter of the 25 MB left below the threshold at 90 MB: the next reading is due.
      watch.afterInvocation(7 * MB);
      assert.equal(logger.errors.length, 2);
    },
  );

  await t.step(
    "reads after small events at most once per interval",
    () => {
      let reads = 0;
      let now = 0;
      const watch = createMemoryWatch({
        memorySizeMB: 128,
        logger: recordingLogger(),
        read: () => (reads++, reading(50)),
        now: () => now,
        intervalMs: 1000,
      });
      watch.afterInvocation(100);
      watch.afterInvocation(100);
      now = 999;
      watch.afterInvocation(100);
      assert.equal(reads, 1);
      now = 1000;
      watch.afterInvocation(100);
      assert.equal(reads, 2);
    },
  );

  await t.step(
    "reads after large events once they add up to a quarter of the room left below 90%",
    () => {
      let reads = 0;
      let rss = 50;
      const watch = createMemoryWatch({
        memorySizeMB: 128,
        logger: recordingLogger(),
        read: () => (reads++, reading(rss)),
        now: () => 0,
      });
      watch.afterInvocation(1 * MB);
      assert.equal(reads, 1);
      // 115.2 MB is 90% of 128: (115.2 - 50) / 4 = 16.3 MB of events before the next reading.
      for (let i = 0; i < 16; i++) watch.afterInvocation(1 * MB);
      assert.equal(reads, 1);
      rss = 110;
      watch.afterInvocation(1 * MB);
      assert.equal(reads, 2);
      // (115.2 - 110) / 4 = 1.3 MB: every second 1 MB event.
      watch.afterInvocation(1 * MB);
      assert.equal(reads, 2);
      watch.afterInvocation(1 * MB);
      assert.equal(reads, 3);
    },
  );

  await t.step("reads after every large event at or above 90%", () => {
    let reads = 0;
    const watch = createMemoryWatch({
      memorySizeMB: 128,
      logger: recordingLogger(),
      read: () => (reads++, reading(120)),
      now: () => 0,
    });
    for (let i = 0; i < 3; i++) watch.afterInvocation(64 * 1024);
    assert.equal(reads, 3);
    watch.afterInvocation(100);
    assert.equal(reads, 3);
  });
});

const V1_MOUNTS = [
  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
].join("\n");

Deno.test("finding a memory cgroup", async (t) => {
  await t.step(
    "prefers cgroup v1's memory controller, own group first, on a hybrid machine",
    () => {
      assert.deepEqual(
        findMemoryCgroups(
          V1_MOUNTS,
          "4:memory:/process_api/abc\n1:cpu:/\n0::/\n",
          "",
        ),
        [
          { version: 1, parent: "/sys/fs/cgroup/memory/process_api/abc" },
          { version: 1, parent: "/sys/fs/cgroup/memory" },
        ],
      );
    },
  );

  await t.step(
    "offers cgroup v2 only when its memory controller is there",
    () => {
      const mounts =
        "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate";
      const self = "0::/user.slice/user-1000.slice/session-3.scope\n";
      assert.deepEqual(findMemoryCgroups(mounts, self, "cpu io memory pids"), [
        {
          version: 2,
          parent: "/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope",
        },
        { version: 2, parent: "/sys/fs/cgroup" },
      ]);
      assert.deepEqual(findMemoryCgroups(mounts, self, "cpu io pids"), []);
    },
  );

  await t.step(
    "reads a container's cgroup relative to the mount's root",
    () => {
      const mounts =
        "40 31 0:32 /docker/f00 /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory";
      assert.deepEqual(
        findMemoryCgroups(mounts, "9:memory:/docker/f00\n", ""),
        [{ version: 1, parent: "/sys/fs/cgroup/memory" }],
      );
    },
  );

  await t.step("finds nothing where no memory controller is mounted", () => {
    const mounts = "22 1 0:21 / /proc rw - proc proc rw";
    assert.deepEqual(findMemoryCgroups(mounts, "0::/\n", ""), []);
  });
});

const limits = await createMemoryLimits(128);
const enforced = limits.location !== undefined;
await limits.close();
if (!enforced) {
  console.log(
    `memory_test: the cgroup tests are ignored: ${limits.reason}`,
  );
}

Deno.test({
  name: "a memory group on this machine",
  ignore: !enforced,
  fn: async (t) => {
    const limits = await createMemoryLimits(64);
    try {
      await t.step(
        "runs a command inside a new group with the limit set",
        async () => {
          const group = limits.group()!;
          const [command, ...args] = group.wrap([
            "/bin/sh",
            "-c",
            "cat /proc/self/cgroup",
          ]);
          const output = await new Deno.Command(command, {
            args,
            stdout: "piped",
          }).output();
          const name = group.path.slice(group.path.lastIndexOf("/"));
          assert.match(
            new TextDecoder().decode(output.stdout),
            new RegExp(name),
          );
          assert.ok((await group.peak()) > 0);
          await group.close();
          assert.equal(await group.outOfMemory(), false);
        },
      );

      await t.step(
        "says on stderr that the sandbox is ready once in the group, before the command runs",
        async () => {
          const group = limits.group()!;
          const [command, ...args] = group.wrap([
            "/bin/sh",
            "-c",
            "echo the function starts >&2",
          ]);
          const output = await new Deno.Command(command, {
            args,
            stderr: "piped",
          }).output();
          assert.deepEqual(
            new TextDecoder().decode(output.stderr).split("\n"),
            [SANDBOX_READY_LINE, "the function starts", ""],
          );
          await group.close();
        },
      );

      await t.step("removes the group when it is closed", async () => {
        const group = limits.group()!;
        const [command, ...args] = group.wrap(["true"]);
        await new Deno.Command(command, { args }).output();
        await group.close();
        const { code } = await sh(`[ -d '${group.path}' ]`, {});
        assert.notEqual(code, 0);
      });
    } finally {
      await limits.close();
    }
  },
});

Deno.test({
  name: "under the emulator's memory cgroup at 128 MB",
  ignore: !enforced,
  fn: async (t) => {
    await t.step(
      "reports a function that allocates without bound as out of memory, and the next invocation works",
      async () => {
        await using emulator = await emulate(FUNCTION, {
          memory: 128,
          timeout: 30,
        });
        const killed = await emulator.invoke('{"grow":true}');
        const report = await killed.json();
        assert.equal(killed.headers.get("x-amz-function-error"), "Unhandled");
        assert.equal(report.errorType, "Runtime.ExitError");
        assert.match(
          report.errorMessage,
          /^RequestId: \S+ Error: Runtime exited with error: signal: killed$/,
        );
        const next = await emulator.invoke('{"echo":"again"}');
        assert.equal(next.headers.get("x-amz-function-error"), null);
        assert.deepEqual(await next.json(), { echo: "again" });
        await emulator.close();
        const platform = emulator.lines.flatMap(({ line, source }) =>
          source === "platform" ? [line] : []
        );
        const reports = platform.filter((line) => line.startsWith("REPORT "));
        assert.match(
          reports[0],
          /\tMax Memory Used: 128 MB\t.*\tStatus: error\tError Type: Runtime\.OutOfMemory$/,
        );
        assert.ok(platform.includes("Runtime.OutOfMemory"));
        // The wrapper's word that the sandbox is made starts the init clock and is not the function's output.
        assert.ok(
          !emulator.lines.some(({ line }) => line === SANDBOX_READY_LINE),
        );
        assert.doesNotMatch(reports[1], /Status: error/);
      },
    );
  },
});
