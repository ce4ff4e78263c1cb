// The artifacts scripts/build.ts builds, unzipped into a read-only folder and run as Lambda would,
// under the project's emulator (arm64 under qemu). A long run (a minute and more): deno task test:measure.
import assert from "node:assert/strict";
import { portableRunArgs } from "../../scripts/build/portable.ts";
import { elfMachine } from "../../scripts/build/targets.ts";
import { denortAvailable } from "../../scripts/build/compile.ts";
import { bootstrapScript } from "../../scripts/build/portable.ts";
import { build, permissionFlags, TARGETS } from "../../scripts/build.ts";
import { startEmulator } from "../../local/mod.ts";
import { shellPermissionWord } from "../../local/sandbox.ts";
import { centralDirectory, unpack } from "../_zip_reader.ts";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const echo = `${root}/examples/echo/main.ts`;
/** Fetched Deno binaries, kept between runs so the arm64 test downloads once. */
const cacheDir = `/tmp/rtl-lambda-test-cache-${Deno.env.get("USER") ?? "user"}`;
const defaults = permissionFlags();

const qemu = "/usr/bin/qemu-aarch64-static";
const armSysroot = "/usr/aarch64-linux-gnu";
const qemuMissing = await _missing([
  qemu,
  `${armSysroot}/lib/ld-linux-aarch64.so.1`,
  `${armSysroot}/lib/libgcc_s.so.1`,
]);
if (qemuMissing) {
  console.log(
    `build_artifacts_test: the arm64 run is skipped: ${qemuMissing} is missing ` +
      `(apt-get install qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross)`,
  );
}
const hostTarget = Deno.build.arch === "aarch64" ? TARGETS.arm64 : TARGETS.x64;
const denortReady = await denortAvailable(hostTarget);
if (!denortReady) {
  console.log(
    `build_artifacts_test: the real deno compile run is skipped: no denort for ${hostTarget.triple} ` +
      `(set DENORT_BIN, or let deno compile cache one)`,
  );
}

Deno.test("portable x64 artifact runs as Lambda would", async (t) => {
  await _buildAndRun(t, TARGETS.x64, (dir) => [
    "/usr/bin/env",
    "-u",
    "HOME",
    "-u",
    "DENO_DIR",
    `${dir}/bootstrap`,
  ]);
});

Deno.test({
  name: "portable arm64 artifact runs as Lambda would, under qemu",
  ignore: qemuMissing !== undefined,
  async fn(t) {
    await _buildAndRun(
      t,
      TARGETS.arm64,
      (dir, denoDir) => [
        "/usr/bin/env",
        "-u",
        "HOME",
        `DENO_DIR=${denoDir}`,
        "DENO_NO_UPDATE_CHECK=1",
        // A shell, as bootstrap: the default grant names $AWS_LAMBDA_RUNTIME_API, known when the process starts.
        "/bin/sh",
        "-c",
        [
          qemu,
          "-L",
          armSysroot,
          `${dir}/deno`,
          ...portableRunArgs(dir, defaults),
        ]
          .map(shellPermissionWord).join(" "),
      ],
      true,
      // Emulated, Deno's start takes longer than Lambda's 10 s init limit,
      120,
      // and qemu's translation caches need far more than the 128 MB default (about 420 MB measured).
      1024,
    );
  },
});

Deno.test({
  name: "compiled x64 artifact runs as Lambda would",
  ignore: !denortReady,
  async fn(t) {
    await _buildAndRun(t, hostTarget, (dir) => [`${dir}/bootstrap`], false);
  },
});

/**
 * Builds the echo example for `target`, unzips it into a read-only folder and runs it there under
 * the emulator with the command `command(dir)` gives.
 */
async function _buildAndRun(
  t: Deno.TestContext,
  target: typeof TARGETS.x64,
  command: (dir: string, denoDir: string) => string[],
  portable = true,
  initTimeout?: number,
  memory?: number,
): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: `build-${target.arch}-` });
  const task = `${work}/task`;
  try {
    const lines: string[] = [];
    const [artifact] = await build({
      entry: echo,
      targets: [target.arch],
      out: `${work}/dist`,
      portable,
      cacheDir,
      progress: (line) => lines.push(line),
    });
    console.log(lines.filter((line) => !line.endsWith("…")).join("\n"));
    const zip = await Deno.readFile(artifact.zip);

    await t.step(
      "the archive records bootstrap as a Unix file with mode 0755",
      () => {
        const bootstrap = centralDirectory(zip).find((record) =>
          record.name === "bootstrap"
        );
        assert.equal(bootstrap?.system, 3);
        assert.equal(bootstrap?.unixMode, 0o100755);
        assert.equal(artifact.zippedBytes, zip.length);
      },
    );

    await unpack(zip, task);
    if (portable) {
      await t.step(
        "it holds the bootstrap script and a Deno binary for the target",
        async () => {
          assert.deepEqual(
            centralDirectory(zip).map((record) => record.name),
            [
              // The V8 code cache is made by running the target's binary: only on its own architecture.
              ...(target.denoArch === Deno.build.arch
                ? [".deno/dep_analysis_cache_v2", ".deno/v8_code_cache_v2"]
                : []),
              "bootstrap",
              "deno",
              "main.js",
              "main.js.map",
            ],
          );
          assert.equal(
            await Deno.readTextFile(`${task}/bootstrap`),
            bootstrapScript(defaults),
          );
          const head = (await Deno.readFile(`${task}/deno`)).subarray(0, 20);
          assert.equal(elfMachine(head), target.elfMachine);
        },
      );
    }

    const before = await _listing(task);
    await _readOnly(task);
    const denoDir = `${work}/deno-dir`;
    const output: string[] = [];
    const emulator = await startEmulator({
      command: command(task, denoDir),
      cwd: task,
      port: 0,
      timeout: 30,
      initTimeout,
      memory,
      functionName: "echo",
      // Any attempt to reach beyond loopback goes to a proxy that refuses it.
      env: {
        HTTPS_PROXY: "http://127.0.0.1:9",
        HTTP_PROXY: "http://127.0.0.1:9",
        NO_PROXY: "127.0.0.1",
      },
      output: (line) => output.push(line),
    });
    try {
      await t.step(
        "it answers an invocation from a read-only task root",
        async () => {
          const response = await emulator.invoke('"hello"');
          assert.equal(response.status, 200, output.join("\n"));
          assert.equal(
            response.headers.get("x-amz-function-error"),
            null,
            output.join("\n"),
          );
          const body = await response.json();
          assert.equal(body.message, "ECHO: hello");
          assert.match(body.requestId, /^[0-9a-f-]{36}$/);
        },
      );

      await t.step(
        "it answers the next invocations from the same process",
        async () => {
          for (const event of [{ n: 1 }, [1, 2, 3]]) {
            const response = await emulator.invoke(JSON.stringify(event));
            assert.equal(
              (await response.json()).message,
              `ECHO: ${JSON.stringify(event)}`,
            );
          }
        },
      );

      await t.step(
        "an empty event comes back as the handler's EmptyEventError",
        async () => {
          const response = await emulator.invoke("{}");
          assert.equal(response.status, 200);
          assert.equal(
            response.headers.get("x-amz-function-error"),
            "Unhandled",
          );
          const body = await response.json();
          assert.equal(body.errorType, "EmptyEventError");
          assert.match(body.errorMessage, /The event is empty/);
        },
      );

      await t.step("it keeps answering after the error", async () => {
        const response = await emulator.invoke('"again"');
        assert.equal((await response.json()).message, "ECHO: again");
      });
    } finally {
      await emulator.close();
    }

    await t.step("nothing was written beside the code", async () => {
      assert.deepEqual(await _listing(task), before);
    });
  } finally {
    await _writable(task).catch(() => {});
    await Deno.remove(work, { recursive: true });
  }
}

/** Every path under `dir` with its size and modification time. */
async function _listing(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(path: string) {
    for await (const entry of Deno.readDir(path)) {
      const child = `${path}/${entry.name}`;
      const info = await Deno.lstat(child);
      found.push(`${child} ${info.size} ${info.mtime?.getTime()}`);
      if (entry.isDirectory) await walk(child);
    }
  }
  await walk(dir);
  return found.sort();
}

/** chmod -R a-w, as Lambda's task root is. */
async function _readOnly(dir: string): Promise<void> {
  await _chmodTree(dir, (mode) => mode & ~0o222);
}

async function _writable(dir: string): Promise<void> {
  await _chmodTree(dir, (mode) => mode | 0o200);
}

async function _chmodTree(dir: string, change: (mode: number) => number) {
  for await (const entry of Deno.readDir(dir)) {
    const child = `${dir}/${entry.name}`;
    if (entry.isDirectory) await _chmodTree(child, change);
    await Deno.chmod(child, change((await Deno.stat(child)).mode! & 0o7777));
  }
  await Deno.chmod(dir, change((await Deno.stat(dir)).mode! & 0o7777));
}

/** The first path that does not exist, or undefined. */
async function _missing(paths: string[]): Promise<string | undefined> {
  for (const path of paths) {
    try {
      await Deno.stat(path);
    } catch {
      return path;
    }
  }
  return undefined;
}
