// scripts/build.ts: the command lines it makes, its errors, and the artifacts it builds, unzipped
// into a read-only folder and run as Lambda would, under the project's emulator (arm64 under qemu).
import assert from "node:assert/strict";
import {
  bootstrapScript,
  build,
  compileCommand,
  DEFAULT_DENO_DIR,
  denortAvailable,
  deployCommands,
  elfMachine,
  parseBuildArgs,
  permissionFlags,
  portableRunArgs,
  resolveTarget,
  TARGETS,
} from "../scripts/build.ts";
import { ENVIRONMENT_VARIABLES } from "../src/core/environment.ts";
import { heapFlags } from "../src/memory/heap.ts";
import { startEmulator } from "../src/emulator/mod.ts";
import { centralDirectory, unpack } from "./_zip_reader.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const echo = `${root}/examples/echo/main.ts`;
const buildScript = `${root}/scripts/build.ts`;
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
    `build_test: the arm64 run is skipped: ${qemuMissing} is missing ` +
      `(apt-get install qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross)`,
  );
}
const hostTarget = Deno.build.arch === "aarch64" ? TARGETS.arm64 : TARGETS.x64;
const denortReady = await denortAvailable(hostTarget);
if (!denortReady) {
  console.log(
    `build_test: the real deno compile run is skipped: no denort for ${hostTarget.triple} ` +
      `(set DENORT_BIN, or let deno compile cache one)`,
  );
}

Deno.test("compile command line", async (t) => {
  await t.step(
    "has the target, flags, baked V8 flags, permissions, includes and output, in that order",
    () => {
      assert.deepEqual(
        compileCommand({
          deno: "/usr/bin/deno",
          entry: "main.ts",
          target: TARGETS.arm64,
          output: "dist/arm64/bootstrap",
          include: ["templates", "data/prices.json"],
          permissions: permissionFlags(["--allow-read=/var/task"]),
          v8Flags: heapFlags(256),
        }),
        [
          "/usr/bin/deno",
          "compile",
          "--no-check",
          "--target",
          "aarch64-unknown-linux-gnu",
          "--output",
          "dist/arm64/bootstrap",
          "--no-prompt",
          `--v8-flags=${heapFlags(256).join(",")}`,
          "--allow-net=127.0.0.1",
          `--allow-env=${ENVIRONMENT_VARIABLES.join(",")}`,
          "--allow-read=/var/task",
          "--include",
          "templates",
          "--include",
          "data/prices.json",
          "main.ts",
        ],
      );
    },
  );

  await t.step("names the x86_64 triple for x64", () => {
    const args = compileCommand({
      entry: "main.ts",
      target: resolveTarget("x86_64"),
      output: "out/bootstrap",
      permissions: [],
    });
    assert.deepEqual(args.slice(0, 5), [
      "deno",
      "compile",
      "--no-check",
      "--target",
      "x86_64-unknown-linux-gnu",
    ]);
  });
});

Deno.test("permission flags", async (t) => {
  await t.step(
    "default to the loopback Runtime API host and the runtime's variables",
    () => {
      assert.deepEqual(defaults, [
        "--allow-net=127.0.0.1",
        `--allow-env=${ENVIRONMENT_VARIABLES.join(",")}`,
      ]);
    },
  );

  await t.step("lists given by the user are added to the defaults", () => {
    assert.deepEqual(
      permissionFlags([
        "--allow-net=api.example.com,127.0.0.1",
        "--allow-env=TABLE",
        "--allow-read=/var/task",
        "--allow-read=/opt",
      ]),
      [
        "--allow-net=127.0.0.1,api.example.com",
        `--allow-env=${ENVIRONMENT_VARIABLES.join(",")},TABLE`,
        "--allow-read=/var/task,/opt",
      ],
    );
  });

  await t.step("a bare flag widens that permission to everything", () => {
    assert.deepEqual(permissionFlags(["--allow-net", "--allow-sys"]), [
      "--allow-net",
      defaults[1],
      "--allow-sys",
    ]);
    assert.deepEqual(permissionFlags(["-A"]), ["--allow-all"]);
  });

  await t.step("an unknown permission is a usage error", () => {
    assert.throws(() => permissionFlags(["--allow-everything"]), {
      name: "UsageError",
    });
  });
});

Deno.test("command line parsing", async (t) => {
  await t.step("a positional entry wins over --entry", () => {
    const options = parseBuildArgs([
      "--entry=examples/echo/main.ts",
      "api.ts",
      "--target=arm64",
      "--target",
      "x64",
      "--include",
      "a.json",
      "--allow-env=TABLE",
      "--portable",
    ]);
    assert.equal(options.entry, "api.ts");
    assert.deepEqual(options.targets, ["arm64", "x64"]);
    assert.deepEqual(options.include, ["a.json"]);
    assert.deepEqual(options.allow, ["--allow-env=TABLE"]);
    assert.equal(options.portable, true);
    assert.equal(options.out, "dist");
  });

  await t.step("--memory takes a number of MB or off", () => {
    assert.equal(parseBuildArgs(["--memory", "512"]).memory, 512);
    assert.equal(parseBuildArgs(["--memory=off"]).memory, "off");
    assert.equal(parseBuildArgs([]).memory, undefined);
  });

  await t.step("without any entry, main.ts is the entry", () => {
    assert.equal(parseBuildArgs([]).entry, "main.ts");
  });

  await t.step("an unknown option or two entries is a usage error", () => {
    assert.throws(() => parseBuildArgs(["--frobnicate"]), {
      name: "UsageError",
    });
    assert.throws(() => parseBuildArgs(["a.ts", "b.ts"]), {
      name: "UsageError",
    });
  });
});

Deno.test("targets and deploy commands", async (t) => {
  await t.step("every usual name of both architectures is known", () => {
    for (const name of ["arm64", "aarch64", "aarch64-unknown-linux-gnu"]) {
      assert.equal(resolveTarget(name), TARGETS.arm64);
    }
    for (const name of ["x64", "x86_64", "amd64", "x86_64-unknown-linux-gnu"]) {
      assert.equal(resolveTarget(name), TARGETS.x64);
    }
  });

  await t.step("an unknown target says which targets exist", () => {
    assert.throws(() => resolveTarget("riscv64"), {
      name: "UnknownTargetError",
      message: /arm64.*x64/,
    });
  });

  await t.step(
    "the deploy commands name the runtime, architecture and memory size",
    () => {
      const [create, update] = deployCommands({
        name: "echo",
        target: TARGETS.x64,
        zip: "dist/x64/function.zip",
        memoryMB: 256,
      });
      assert.equal(
        create,
        "aws lambda create-function --function-name echo --runtime provided.al2023 " +
          "--architectures x86_64 --handler bootstrap --memory-size 256 --role <role-arn> " +
          "--zip-file fileb://dist/x64/function.zip",
      );
      assert.equal(
        update,
        "aws lambda update-function-code --function-name echo --architectures x86_64 " +
          "--zip-file fileb://dist/x64/function.zip",
      );
    },
  );
});

Deno.test("the portable bootstrap script", async (t) => {
  const script = bootstrapScript([
    ...defaults,
    "--allow-read=/var/task/it's here",
  ]);

  await t.step("is valid sh", async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/bootstrap`, script);
      const check = await new Deno.Command("sh", {
        args: ["-n", `${dir}/bootstrap`],
        stderr: "piped",
      }).output();
      assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  await t.step(
    "passes the same arguments as portableRunArgs, quoted for sh",
    async () => {
      const dir = await Deno.makeTempDir();
      try {
        // A stand-in deno that prints its arguments, one per line.
        await Deno.writeTextFile(`${dir}/bootstrap`, script);
        await Deno.writeTextFile(
          `${dir}/deno`,
          '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\nprintf "DENO_DIR=%s\\n" "$DENO_DIR"\n',
        );
        await Deno.chmod(`${dir}/bootstrap`, 0o755);
        await Deno.chmod(`${dir}/deno`, 0o755);
        const run = await new Deno.Command(`${dir}/bootstrap`, {
          clearEnv: true,
          env: { PATH: "/usr/bin:/bin" },
          stdout: "piped",
        }).output();
        const lines = new TextDecoder().decode(run.stdout).trimEnd().split(
          "\n",
        );
        assert.deepEqual(lines, [
          ...portableRunArgs(dir, [
            ...defaults,
            "--allow-read=/var/task/it's here",
          ]),
          `DENO_DIR=${DEFAULT_DENO_DIR}`,
        ]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  /** Runs `script` as bootstrap beside a stand-in deno that prints DENO_V8_FLAGS. */
  async function v8FlagsOf(
    script: string,
    env: Record<string, string>,
  ): Promise<string> {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/bootstrap`, script);
      await Deno.writeTextFile(
        `${dir}/deno`,
        '#!/bin/sh\nprintf "%s" "${DENO_V8_FLAGS:-none}"\n',
      );
      await Deno.chmod(`${dir}/bootstrap`, 0o755);
      await Deno.chmod(`${dir}/deno`, 0o755);
      const run = await new Deno.Command(`${dir}/bootstrap`, {
        clearEnv: true,
        env: { PATH: "/usr/bin:/bin", ...env },
        stdout: "piped",
      }).output();
      return new TextDecoder().decode(run.stdout);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }

  await t.step(
    "sizes V8's heap to the memory size Lambda gives it at start",
    async () => {
      for (const size of [128, 512, 3008]) {
        assert.equal(
          await v8FlagsOf(script, {
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(size),
          }),
          heapFlags(size).join(","),
        );
      }
    },
  );

  await t.step(
    "leaves the heap alone when built with --memory off, or run with RTL_LAMBDA_HEAP=off",
    async () => {
      const env = { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512" };
      assert.equal(
        await v8FlagsOf(bootstrapScript(defaults, { heap: false }), env),
        "none",
      );
      assert.equal(
        await v8FlagsOf(script, { ...env, RTL_LAMBDA_HEAP: "off" }),
        "none",
      );
    },
  );
});

Deno.test("build errors", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await t.step(
      "an unknown target is refused before anything runs",
      async () => {
        await assert.rejects(
          build({
            entry: echo,
            targets: ["sparc"],
            out: dir,
            progress: () => {},
          }),
          { name: "UnknownTargetError" },
        );
      },
    );

    await t.step(
      "a memory size Lambda does not offer is refused before anything runs",
      async () => {
        for (const memory of [64, 100.5, 20000, Number.NaN]) {
          await assert.rejects(
            build({ entry: echo, memory, out: dir, progress: () => {} }),
            { name: "UsageError", message: /128 to 10240/ },
          );
        }
      },
    );

    await t.step("a missing entry is named", async () => {
      await assert.rejects(
        build({ entry: `${dir}/nope.ts`, out: dir, progress: () => {} }),
        { name: "EntryNotFoundError", message: /nope\.ts/ },
      );
    });

    await t.step(
      "an entry that fails type-checking shows the diagnostic",
      async () => {
        const bad = `${dir}/bad.ts`;
        await Deno.writeTextFile(
          bad,
          'const n: number = "one";\nconsole.log(n);\n',
        );
        await assert.rejects(
          build({
            entry: bad,
            targets: ["x64"],
            out: `${dir}/out`,
            progress: () => {},
          }),
          { name: "TypeCheckError", message: /TS2322/ },
        );
      },
    );

    await t.step(
      "an --include that does not exist, or lies outside the entry's folder in portable mode, is refused",
      async () => {
        await assert.rejects(
          build({
            entry: echo,
            include: [`${dir}/missing.json`],
            out: dir,
            progress: () => {},
          }),
          { name: "UsageError", message: /missing\.json: not found/ },
        );
        await assert.rejects(
          build({
            entry: echo,
            include: [`${root}/README.md`],
            portable: true,
            out: dir,
            progress: () => {},
          }),
          { name: "UsageError", message: /not under the entry's folder/ },
        );
      },
    );

    await t.step(
      "an output path that cannot be a folder is refused",
      async () => {
        const file = `${dir}/a-file`;
        await Deno.writeTextFile(file, "");
        await assert.rejects(
          build({
            entry: echo,
            targets: ["x64"],
            out: `${file}/dist`,
            progress: () => {},
          }),
          { name: "OutputNotWritableError", message: /a-file\/dist\/x64/ },
        );
      },
    );

    await t.step(
      "the CLI with the build permission set refuses an output outside it",
      async () => {
        const { code, stderr } = await _cli([
          "--target",
          "x64",
          "--out",
          "/proc/rtl-lambda-out",
          echo,
        ]);
        assert.equal(code, 1);
        assert.match(stderr, /OutputNotWritableError: .*no write permission/);
      },
    );

    await t.step(
      "a DENORT_BIN for the wrong architecture is refused",
      async () => {
        const { code, stderr } = await _cli(
          ["--target", "arm64", "--out", dir, echo],
          { DENORT_BIN: "/bin/sh" },
        );
        assert.equal(code, 1);
        assert.match(
          stderr,
          /DENORT_BIN=\/bin\/sh is not a Linux aarch64 executable/,
        );
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "compile mode without a denort says what to do",
  ignore: await denortAvailable(TARGETS.arm64),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      // A proxy that refuses every connection makes the denort download fail for certain.
      const { code, stderr } = await _cli([
        "--target",
        "arm64",
        "--out",
        dir,
        echo,
      ], {
        HTTPS_PROXY: "http://127.0.0.1:9",
        HTTP_PROXY: "http://127.0.0.1:9",
      });
      assert.equal(code, 1);
      assert.match(
        stderr,
        /DenortUnavailableError: deno compile could not download its denort/,
      );
      assert.match(stderr, /set DENORT_BIN to a denort/);
      assert.match(stderr, /--portable/);
      await assert.rejects(
        Deno.stat(`${dir}/arm64/function.zip`),
        Deno.errors.NotFound,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

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
        qemu,
        "-L",
        armSysroot,
        `${dir}/deno`,
        ...portableRunArgs(dir, defaults),
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

/** Runs the build CLI as the task does, with the "build" permission set. */
async function _cli(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=build", "--no-prompt", buildScript, ...args],
    cwd: root,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
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
