// The bench in smoke mode, end to end: every runtime spawned against the feeder, sane JSON out.
import assert from "node:assert/strict";
import { RUNTIMES } from "../../scripts/bench/runtimes.ts";

const root = new URL("../..", import.meta.url).pathname;

interface Line {
  bench: string;
  runtime: string;
  floor: string;
  payloads: Record<string, Record<string, unknown>>;
}

Deno.test("deno task bench --smoke", async (t) => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=bench", "--no-prompt", "scripts/bench.ts", "--smoke"],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  const lines: Line[] = stdout.trim().split("\n").filter((line) => line !== "")
    .map((line) => JSON.parse(line));

  await t.step("exits 0 with one JSON line per runtime", () => {
    assert.equal(output.code, 0, stderr);
    assert.deepEqual(
      lines.map((line) => line.runtime),
      RUNTIMES.map((runtime) => runtime.name),
    );
    for (const line of lines) assert.equal(line.bench, "@rtl/lambda");
  });

  await t.step(
    "every runtime answered every invocation, none with an error",
    () => {
      for (const line of lines) {
        const small = line.payloads["100B"];
        assert.ok(small, `${line.runtime} has no 100B figures`);
        assert.equal(small.completed, 300, line.runtime);
        assert.equal(small.errors, 0, line.runtime);
        assert.equal(small.unexpected, 0, line.runtime);
      }
    },
  );

  await t.step(
    "throughput, overheads, cold start and memory are positive numbers",
    () => {
      for (const line of lines) {
        const small = line.payloads["100B"];
        for (
          const key of [
            "invocationsPerSecond",
            "overheadP50Us",
            "overheadP99Us",
            "coldStartMs",
            "peakRssMB",
          ]
        ) {
          const value = small[key];
          assert.ok(
            typeof value === "number" && value > 0,
            `${line.runtime} ${key} = ${value}`,
          );
        }
        assert.ok(
          (small.overheadP99Us as number) >= (small.overheadP50Us as number),
          line.runtime,
        );
      }
    },
  );

  await t.step(
    "every runtime is compared with the fetch floor of the same run",
    () => {
      for (const line of lines) {
        assert.equal(line.floor, "floor-fetch");
        const vs = line.payloads["100B"].vsFloor as Record<string, number>;
        assert.ok(vs.throughput > 0, line.runtime);
        assert.ok(vs.overheadP99 > 0, line.runtime);
        assert.ok(vs.cpuPerInvocation > 0, line.runtime);
      }
      const floor = lines.find((line) => line.runtime === "floor-fetch")!;
      const vs = floor.payloads["100B"].vsFloor as Record<string, number>;
      assert.equal(vs.throughput, 1);
    },
  );

  await t.step("prints the table on stderr", () => {
    assert.match(stderr, /runtime\s+payload\s+inv\/s/);
    for (const runtime of RUNTIMES) {
      assert.match(stderr, new RegExp(`^${runtime.name}\\s+100B`, "m"));
    }
  });
});
