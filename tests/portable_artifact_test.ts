// The echo example's portable zip (built once for the whole suite, tests/_echo_build.ts), unzipped into a
// read-only folder and run as Lambda would: no HOME, no DENO_DIR, nothing beyond loopback. Every target,
// compile mode and a fresh build of each: tests/measure/build_artifacts_test.ts.
import assert from "node:assert/strict";
import { initBanner } from "../scripts/build/init_banner.ts";
import { sharedEchoZip } from "./_echo_build.ts";
import { centralDirectory } from "./_zip_reader.ts";
import { chmodTree, lambdaLike, taskRoot } from "./_unzipped_artifact.ts";

const zipPath = await sharedEchoZip();
const zip = await Deno.readFile(zipPath);

Deno.test("the portable echo artifact, run as Lambda would", async (t) => {
  const work = await Deno.makeTempDir({ prefix: "portable-artifact-" });
  try {
    await t.step(
      "ships its V8 code cache, bootstrap (mode 0755), Deno and bundle",
      () => {
        const records = centralDirectory(zip);
        assert.deepEqual(records.map((record) => record.name), [
          ".deno/dep_analysis_cache_v2",
          ".deno/v8_code_cache_v2",
          "bootstrap",
          "deno",
          "main.js",
          "main.js.map",
        ]);
        const bootstrap = records.find((record) => record.name === "bootstrap");
        assert.equal(bootstrap?.unixMode, 0o100755);
      },
    );

    const task = await taskRoot(zipPath, `${work}/echo`);
    const before = await _listing(task);
    const output: string[] = [];
    {
      await using emulator = await lambdaLike(task, output);
      await t.step(
        "answers from a read-only task root, and again from the same process",
        async () => {
          for (
            const [event, message] of [['"hello"', "ECHO: hello"], [
              '{"n":1}',
              'ECHO: {"n":1}',
            ]]
          ) {
            const response = await emulator.invoke(event);
            assert.equal(response.status, 200, output.join("\n"));
            assert.equal(response.headers.get("x-amz-function-error"), null);
            assert.equal((await response.json()).message, message);
          }
        },
      );
    }
    await t.step("wrote nothing beside the code", async () => {
      assert.deepEqual(await _listing(task), before);
    });

    await t.step(
      "a refusal at import reaches /init/error with its fix",
      async () => {
        // The bundle reads a file no default grants at import, as tests/fixtures/aws_sdk/needs_grant.ts does.
        const task = await taskRoot(zipPath, `${work}/refused`, (js) => {
          assert.ok(js.startsWith(initBanner()));
          return initBanner() +
            'Deno.readTextFileSync("/etc/rtl-fixture-secret");\n' +
            js.slice(initBanner().length);
        });
        const lines: string[] = [];
        await using emulator = await lambdaLike(task, lines);
        const response = await emulator.invoke("{}");
        const { errorMessage } = await response.json();
        assert.match(
          errorMessage,
          /Requires read access to "\/etc\/rtl-fixture-secret"/,
          lines.join("\n"),
        );
        assert.match(errorMessage, /--allow-read=\/etc\/rtl-fixture-secret/);
        assert.match(errorMessage, /permissions/);
      },
    );
  } finally {
    await chmodTree(work, (mode) => mode | 0o200);
    await Deno.remove(work, { recursive: true });
  }
});

/** Every path under `dir` with its size and modification time. */
async function _listing(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const child = `${dir}/${entry.name}`;
    const info = await Deno.lstat(child);
    found.push(`${child} ${info.size} ${info.mtime?.getTime()}`);
    if (entry.isDirectory) found.push(...await _listing(child));
  }
  return found.sort();
}
