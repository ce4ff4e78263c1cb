// The cold suite's cold disk: files evicted from the page cache without privileges, and a tiny run's
// cold-disk rows beside Node's with the bytes of the binary paged in. Times are the bench's, never asserted.
import assert from "node:assert/strict";
import {
  coldDiskTools,
  evictFiles,
  filesUnder,
  flushFiles,
  residentBytes,
} from "../scripts/bench/cold_disk.ts";
import {
  type ColdCase,
  formatColdTable,
  measureCases,
} from "../scripts/bench/cold.ts";
import { bareDeno, unpackLayered } from "../scripts/bench/cold_artifacts.ts";
import { exists } from "../scripts/_exists.ts";
import { sharedEchoLayerBuild } from "./_echo_build.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const MB = 1024 * 1024;

async function withTemp(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "rtl-cold-disk-test-" });
  try {
    await body(dir);
  } finally {
    // The artifacts are made read-only, as Lambda's task root is.
    await new Deno.Command("chmod", { args: ["-R", "u+w", dir] }).output();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Node running the echo handler through the bench's fetch loop, from its own copy of the binary. */
async function nodeEcho(dir: string): Promise<ColdCase> {
  const task = `${dir}/node/task`;
  await Deno.mkdir(task, { recursive: true });
  for (const name of ["node_echo.mjs", "node_fetch_loop.mjs"]) {
    await Deno.copyFile(
      `${root}/scripts/bench/cold/${name}`,
      `${task}/${name}`,
    );
  }
  const which = await new Deno.Command("sh", {
    args: ["-c", "command -v node"],
    stdout: "piped",
  }).output();
  const binary = `${dir}/node/node`;
  await Deno.copyFile(
    await Deno.realPath(new TextDecoder().decode(which.stdout).trim()),
    binary,
  );
  return {
    function: "echo",
    runtime: "node-fetch-loop",
    description: "Node, the bench's fetch loop",
    artifact: {
      command: "sh",
      args: [
        "-c",
        'exec "$0" "$@"',
        binary,
        `${task}/node_fetch_loop.mjs`,
        `${task}/node_echo.mjs`,
      ],
      root: task,
      codeBytes: 0,
      binary,
      files: [binary, ...await filesUnder(task)],
    },
    event: new TextEncoder().encode('"hello"'),
  };
}

Deno.test("a cold disk", async (t) => {
  const tools = await coldDiskTools();

  await t.step(
    "works here without privileges (dd iflag=nocache, fincore)",
    () => {
      assert.deepEqual(tools, { evict: true, resident: true });
    },
  );

  await t.step(
    "eviction leaves none of a file's pages in the page cache",
    () =>
      withTemp(async (dir) => {
        const file = `${dir}/blob`;
        await Deno.writeFile(file, new Uint8Array(8 * MB).fill(7));
        await flushFiles([file]);
        await Deno.readFile(file);
        assert.equal(await residentBytes(file), 8 * MB);
        await evictFiles([file]);
        assert.equal(await residentBytes(file), 0);
        await Deno.readFile(file);
        assert.equal(await residentBytes(file), 8 * MB);
      }),
  );

  await t.step(
    "a tiny run reports warm- and cold-disk rows beside Node's, with the binary's bytes paged in",
    () =>
      withTemp(async (dir) => {
        const cases: ColdCase[] = [await nodeEcho(dir), {
          function: "echo",
          runtime: "floor-deno",
          description: "bare Deno",
          artifact: await bareDeno(root, `${dir}/floor`),
          event: new TextEncoder().encode('"hello"'),
        }];
        const lines = await measureCases(cases, { starts: 1, coldDisk: true });
        assert.deepEqual(
          lines.map((line) => `${line.runtime} ${line.disk} ${line.starts}`),
          [
            "node-fetch-loop warm 1",
            "floor-deno warm 1",
            "node-fetch-loop cold 1",
            "floor-deno cold 1",
          ],
        );
        for (const line of lines.filter((line) => line.disk === "cold")) {
          // Each runtime runs its own copy, so no other process holds its pages.
          assert.equal(line.residentAfterEvictBytes, 0, line.runtime);
          assert.ok(line.pagedInBytes! > MB, `${line.runtime} paged in`);
          assert.ok(line.pagedInBytes! <= line.binaryBytes + 4096);
        }
        const floorCold = lines[3];
        assert.equal(typeof floorCold.vsNodeFirstAnswer, "number");
        const table = formatColdTable(lines);
        assert.match(table, /paged in MiB/);
        assert.match(table, /floor-deno \(cold disk\)/);
      }),
  );

  await t.step(
    "the layered echo starts with Deno from its layer folder, evicted too on a cold disk",
    () =>
      withTemp(async (dir) => {
        const artifact = await unpackLayered(await sharedEchoLayerBuild(), dir);
        assert.equal(await exists(`${artifact.root}/deno`), false);
        assert.ok(artifact.binary.startsWith(artifact.env!.RTL_LAMBDA_OPT));
        assert.ok(artifact.files.includes(artifact.binary));
        const lines = await measureCases([{
          function: "echo",
          runtime: "rtl-layer",
          description: "echo built --layer",
          artifact,
          event: new TextEncoder().encode('"hello"'),
        }], { starts: 1, coldDisk: true });
        assert.deepEqual(
          lines.map((line) =>
            `${line.runtime} ${line.disk} ${line.starts} ${line.errors}`
          ),
          ["rtl-layer warm 1 0", "rtl-layer cold 1 0"],
        );
        assert.equal(lines[1].residentAfterEvictBytes, 0);
        assert.ok(lines[1].pagedInBytes! > MB, "the layer's deno paged in");
      }),
  );
});
