// scripts/bench/watched.ts: a runtime under the bench, watched until its work is done, ends or stalls.
import assert from "node:assert/strict";
import { watch } from "../scripts/bench/watched.ts";

function sh(script: string): Deno.ChildProcess {
  return new Deno.Command("sh", {
    args: ["-c", script],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

const never = new Promise<never>(() => {});

Deno.test("a watched process", async (t) => {
  await t.step("gives the work's value and is ended on dispose", async () => {
    const child = sh("exec sleep 600");
    {
      await using watched = watch(child);
      assert.equal(
        await watched.race(Promise.resolve(7), 600_000, (m) => new Error(m)),
        7,
      );
    }
    assert.equal((await child.status).signal, "SIGKILL");
  });

  await t.step(
    "that exits first fails with its code and its last output",
    async () => {
      await using watched = watch(sh("echo out; echo err >&2; exit 3"));
      await assert.rejects(
        watched.race(never, 600_000, (m) => new RangeError(`sh ${m}`)),
        (error: Error) => {
          assert.ok(error instanceof RangeError);
          assert.match(
            error.message,
            /^sh exited with code 3; its last output:/,
          );
          assert.match(error.message, /out/);
          assert.match(error.message, /err/);
          return true;
        },
      );
    },
  );

  await t.step("that stalls is killed and fails as stalled", async () => {
    const child = sh("echo waiting; exec sleep 600");
    await using watched = watch(child);
    await assert.rejects(
      watched.race(never, 1, (m) => new Error(m)),
      /^Error: stalled; its last output:/,
    );
    assert.equal((await child.status).signal, "SIGKILL");
  });

  await t.step("passes the work's own error through", async () => {
    await using watched = watch(sh("exec sleep 600"));
    await assert.rejects(
      watched.race(
        Promise.reject(new TypeError("feeder")),
        600_000,
        () => new Error("not this"),
      ),
      TypeError,
    );
  });
});
