// `--watch` on the emulator's command line: an edited source is the next invocation's code.
import assert from "node:assert/strict";

const runtime = new URL("../mod.ts", import.meta.url).href;
const cli = new URL("../local/mod.ts", import.meta.url).pathname;

function source(body: string): string {
  return `import { run } from "${runtime}";\n${body}\n`;
}

Deno.test("the emulator's --watch restarts the function on a change", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "front-watch-" });
  const entry = `${dir}/main.ts`;
  await Deno.writeTextFile(entry, source(`run(() => ({ version: 1 }));`));
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=emulator",
      "--no-prompt",
      cli,
      "--port",
      "0",
      "--watch",
      // The version-3 function calls the test's gate on loopback, which the default grant does not reach.
      "--allow",
      "net=127.0.0.1",
      entry,
    ],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TransformStream<string, string>({
      start() {},
      transform(chunk, controller) {
        pending += chunk;
        const parts = pending.split("\n");
        pending = parts.pop()!;
        for (const part of parts) controller.enqueue(part);
      },
    }),
  ).getReader();
  let pending = "";
  /** Reads stderr up to the first line matching `pattern`. */
  async function waitFor(pattern: RegExp): Promise<string> {
    for (;;) {
      const { done, value } = await lines.read();
      assert.ok(!done, `the emulator ended before a line matched ${pattern}`);
      if (pattern.test(value)) return value;
    }
  }
  try {
    const url = (await waitFor(/ on http:\/\//)).match(/on (http:\/\/\S+)/)![1];
    const invoke = async (event: unknown = {}) =>
      await (await fetch(`${url}/2015-03-31/functions/function/invocations`, {
        method: "POST",
        body: JSON.stringify(event),
      })).json();

    await t.step("the first invocation runs the first version", async () => {
      assert.deepEqual(await invoke(), { version: 1 });
    });

    await t.step(
      "after an edit the next invocation runs the new code",
      async () => {
        await Deno.writeTextFile(entry, source(`run(() => ({ version: 2 }));`));
        await waitFor(/Sources changed .*restarting the function/);
        assert.deepEqual(await invoke(), { version: 2 });
      },
    );

    await t.step(
      "an invocation in flight finishes on the old code",
      async () => {
        await Deno.writeTextFile(
          entry,
          source(
            `run(async (e: { gate: string }) => { await (await fetch(e.gate)).text(); return { version: 3 }; });`,
          ),
        );
        await waitFor(/Sources changed/);
        const release = Promise.withResolvers<void>();
        const arrived = Promise.withResolvers<void>();
        await using gate = Deno.serve(
          { hostname: "127.0.0.1", port: 0, onListen() {} },
          async () => {
            arrived.resolve();
            await release.promise;
            return new Response("go");
          },
        );
        const inFlight = invoke({
          gate: `http://127.0.0.1:${gate.addr.port}/`,
        });
        await arrived.promise;
        await Deno.writeTextFile(entry, source(`run(() => ({ version: 4 }));`));
        await waitFor(/Sources changed/);
        release.resolve();
        assert.deepEqual(await inFlight, { version: 3 });
        assert.deepEqual(await invoke(), { version: 4 });
      },
    );

    await t.step(
      "an init error is shown at once, before any invocation",
      async () => {
        await Deno.writeTextFile(
          entry,
          source(`throw new Error("broken at init");\nrun(() => 5);`),
        );
        await waitFor(/Sources changed/);
        await waitFor(/broken at init/);
      },
    );
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await lines.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
