// scripts/build.ts: the command lines it makes and its errors. The artifacts it builds, run as Lambda
// would: the shared echo build in tests/portable_artifact_test.ts, every target and mode built afresh in
// tests/measure/build_artifacts_test.ts (deno task test:measure).
import assert from "node:assert/strict";
import { resolveTarget } from "../scripts/build/targets.ts";
import {
  PORTABLE_V8_FLAGS,
  portableRunArgs,
} from "../scripts/build/portable.ts";
import { deployCommands } from "../scripts/build/summary.ts";
import { denortAvailable } from "../scripts/build/compile.ts";
import { DEFAULT_DENO_DIR } from "../scripts/build/portable.ts";
import { compileCommand } from "../scripts/build/compile.ts";
import { bootstrapScript } from "../scripts/build/portable.ts";
import {
  evictFiles,
  flushFiles,
  residentBytes,
} from "../scripts/bench/cold_disk.ts";
import {
  build,
  parseBuildArgs,
  permissionFlags,
  TARGETS,
} from "../scripts/build.ts";
import { ENVIRONMENT_VARIABLES } from "../src/core/environment.ts";
import { heapFlags } from "../local/src/heap.ts";
import { expandGrants } from "../local/sandbox.ts";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const echo = `${root}/examples/echo/main.ts`;
const buildScript = `${root}/scripts/build.ts`;
const defaults = permissionFlags();

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
          ...permissionFlags(["--allow-read=/var/task"]),
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
    "default to the Runtime API, AWS's endpoints, AWS_* and Lambda's variables (others read as unset), the SDK's sys calls and /tmp",
    () => {
      assert.deepEqual(defaults, [
        "--allow-net=$AWS_LAMBDA_RUNTIME_API,$AWS_XRAY_DAEMON_ADDRESS,$RTL_LAMBDA_OTEL_ENDPOINT,*.amazonaws.com",
        `--allow-env=AWS_*,${
          ENVIRONMENT_VARIABLES.filter((name) => !name.startsWith("AWS_"))
            .join(",")
        },LAMBDA_RUNTIME_DIR,TZ,LANG,PATH,HOME,USERPROFILE,HOMEPATH,HOMEDRIVE`,
        "--allow-sys=osRelease,uid,homedir",
        "--allow-read=/var/task,/tmp",
        "--allow-write=/tmp",
        "--ignore-env",
      ]);
    },
  );

  await t.step("a declaration adds to the defaults before the flags", () => {
    const flags = permissionFlags(["--allow-env=B"], {
      declaration: { env: ["A"], run: ["git"] },
    });
    assert.match(flags[1], /,A,B$/);
    assert.equal(flags.at(-2), "--allow-run=git");
  });

  await t.step("lists given by the user are added to the defaults", () => {
    assert.deepEqual(
      permissionFlags([
        "--allow-net=api.example.com,127.0.0.1",
        "--allow-env=TABLE",
        "--allow-read=/var/task",
        "--allow-read=/opt",
      ]),
      [
        "--allow-net=$AWS_LAMBDA_RUNTIME_API,$AWS_XRAY_DAEMON_ADDRESS,$RTL_LAMBDA_OTEL_ENDPOINT,*.amazonaws.com,api.example.com,127.0.0.1",
        `${defaults[1]},TABLE`,
        defaults[2],
        "--allow-read=/var/task,/tmp,/opt",
        defaults[4],
        "--ignore-env",
      ],
    );
  });

  await t.step("a bare flag widens that permission to everything", () => {
    assert.deepEqual(permissionFlags(["--allow-net", "--allow-sys"]), [
      "--allow-net",
      defaults[1],
      "--allow-sys",
      defaults[3],
      defaults[4],
      "--ignore-env",
    ]);
    assert.deepEqual(permissionFlags(["--allow-env"])[1], "--allow-env");
    assert.ok(!permissionFlags(["--allow-env"]).includes("--ignore-env"));
    assert.deepEqual(permissionFlags(["-A"]), ["--allow-all"]);
  });

  await t.step("an unknown permission is a declaration error", () => {
    assert.throws(() => permissionFlags(["--allow-everything"]), {
      name: "PermissionDeclarationError",
      message: /--allow-net\|--allow-env/,
    });
    assert.throws(
      () => permissionFlags([], { declaration: { internet: true } as never }),
      { name: "PermissionDeclarationError", message: /kind internet: use net/ },
    );
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

  /** The arguments `script` passes to deno, run with `env` beside a stand-in deno that prints them. */
  async function argumentsOf(env: Record<string, string>): Promise<string[]> {
    const printed = await _beside(
      script,
      '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\nprintf "DENO_DIR=%s\\n" "$DENO_DIR"\n',
      env,
    );
    return printed.trimEnd().split("\n");
  }

  await t.step(
    "passes the same arguments as portableRunArgs, quoted for sh, the Runtime API's address read at start",
    async () => {
      const env = {
        AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
        AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129:2000",
      };
      assert.deepEqual(await argumentsOf(env), [
        ...portableRunArgs(
          "DIR",
          expandGrants([...defaults, "--allow-read=/var/task/it's here"], env),
        ),
        `DENO_DIR=${DEFAULT_DENO_DIR}`,
      ]);
    },
  );

  await t.step(
    "under the emulator, denies what RTL_LAMBDA_DENY_NET lists; without the variables, grants only AWS's endpoints",
    async () => {
      const denied = await argumentsOf({
        AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
        RTL_LAMBDA_DENY_NET: "127.0.0.1:9000,localhost:9000",
      });
      assert.equal(
        denied[denied.indexOf("--no-prompt") + 1],
        "--deny-net=127.0.0.1:9000,localhost:9000",
      );
      assert.ok(denied.includes("--allow-net=127.0.0.1:9001,*.amazonaws.com"));
      const bare = await argumentsOf({});
      assert.ok(!bare.some((arg) => arg.startsWith("--deny-net")));
      assert.ok(bare.includes("--allow-net=*.amazonaws.com"));
    },
  );

  /** Runs `script` as bootstrap beside a stand-in deno that prints DENO_V8_FLAGS. */
  function v8FlagsOf(
    script: string,
    env: Record<string, string>,
  ): Promise<string> {
    return _beside(
      script,
      '#!/bin/sh\nprintf "%s" "${DENO_V8_FLAGS:-none}"\n',
      env,
    );
  }

  await t.step(
    "sizes V8's heap to the memory size Lambda gives it at start",
    async () => {
      for (const size of [128, 512, 3008]) {
        assert.equal(
          await v8FlagsOf(script, {
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(size),
          }),
          [...heapFlags(size), ...PORTABLE_V8_FLAGS].join(","),
        );
      }
    },
  );

  await t.step(
    "leaves the heap alone when built with --memory off, or run with RTL_LAMBDA_HEAP=off",
    async () => {
      const env = { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512" };
      const eager = PORTABLE_V8_FLAGS.join(",");
      assert.equal(
        await v8FlagsOf(bootstrapScript(defaults, { heap: false }), env),
        eager,
      );
      assert.equal(
        await v8FlagsOf(script, { ...env, RTL_LAMBDA_HEAP: "off" }),
        eager,
      );
    },
  );

  await t.step(
    "compiles every function up front, with the user's DENO_V8_FLAGS after",
    async () => {
      assert.equal(
        await v8FlagsOf(bootstrapScript(defaults, { heap: false }), {
          DENO_V8_FLAGS: "--stack-size=2000",
        }),
        "--no-lazy,--stack-size=2000",
      );
    },
  );
});

Deno.test("the portable bootstrap on a cold disk", async (t) => {
  const size = 64 * 1024 * 1024;

  /** Runs the bootstrap beside a stand-in deno of `size` bytes evicted from the page cache; gives its cached bytes once `done` says so. */
  async function cachedAfterStart(
    env: Record<string, string>,
    done: (cached: number) => boolean,
  ): Promise<number> {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/bootstrap`, bootstrapScript(defaults));
      // A script that exits at once, padded: sh reads its first lines only.
      const deno = new Uint8Array(size).fill(0x23);
      deno.set(new TextEncoder().encode("#!/bin/sh\nexit 0\n"));
      await Deno.writeFile(`${dir}/deno`, deno, { mode: 0o755 });
      await flushFiles([`${dir}/deno`]);
      await evictFiles([`${dir}/deno`]);
      assert.equal(await residentBytes(`${dir}/deno`), 0);
      const run = await new Deno.Command("sh", {
        args: [`${dir}/bootstrap`],
        clearEnv: true,
        env: { PATH: "/usr/bin:/bin", ...env },
      }).output();
      assert.equal(run.code, 0);
      // The read runs on in the background after the stand-in exits: polled until done, for at most a minute.
      let cached = await residentBytes(`${dir}/deno`);
      const until = Date.now() + 60_000;
      while (!done(cached) && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        cached = await residentBytes(`${dir}/deno`);
      }
      return cached;
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }

  await t.step("reads the whole Deno binary ahead of its start", async () => {
    assert.equal(
      await cachedAfterStart({}, (cached) => cached === size),
      size,
    );
  });

  await t.step(
    "leaves it to the page faults with RTL_LAMBDA_READAHEAD=off",
    async () => {
      const cached = await cachedAfterStart(
        { RTL_LAMBDA_READAHEAD: "off" },
        () => true,
      );
      assert.ok(cached < size / 2, `${cached} bytes cached`);
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
Deno.test("permission checks and the audit", async (t) => {
  const { auditedDeclaration, checkPermissionFlags } = await import(
    "../scripts/build.ts"
  );

  await t.step(
    "a descriptor Deno refuses fails with Deno's reason and the fix",
    async () => {
      await assert.rejects(
        () => checkPermissionFlags(Deno.execPath(), ["--allow-sys=ca"]),
        (error: Error) => {
          assert.equal(error.name, "InvalidPermissionError");
          assert.match(error.message, /unknown sys descriptor: 'ca'/);
          assert.match(error.message, /permissions\.lambda/);
          return true;
        },
      );
    },
  );

  await t.step(
    "the command line answers an unknown permission with exit code 2 and its usage",
    async () => {
      const { code, stderr } = await _cli([
        "examples/echo/main.ts",
        "--allow-everything",
      ]);
      assert.equal(code, 2);
      assert.match(stderr, /build: unknown permission flag --allow-everything/);
      assert.match(stderr, /usage: build\.ts/);
    },
  );

  await t.step("the defaults themselves are accepted by Deno", async () => {
    await checkPermissionFlags(
      Deno.execPath(),
      expandGrants(permissionFlags(), {
        AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
        AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129:2000",
      }),
    );
  });

  await t.step(
    "the audit keeps only what the defaults do not grant",
    () => {
      const lines = [
        { permission: "env", value: "AWS_ENDPOINT_URL_S3" },
        { permission: "env", value: "TABLE" },
        { permission: "net", value: "127.0.0.1:4566" },
        { permission: "net", value: "https://s3.us-east-1.amazonaws.com/b" },
        { permission: "net", value: "https://api.example.com/x" },
        { permission: "read", value: "/tmp/cache/x" },
        { permission: "read", value: "/etc/config.json" },
        { permission: "sys", value: "osRelease" },
      ].map((line) => JSON.stringify({ v: 1, ...line })).join("\n");
      assert.deepEqual(auditedDeclaration(lines), {
        env: ["TABLE"],
        net: ["api.example.com"],
        read: ["/etc/config.json"],
      });
    },
  );
});

/** Runs `script` as a bootstrap with only `env` and PATH, beside a stand-in `deno` made of `deno`; its stdout, the folder named DIR. */
async function _beside(
  script: string,
  deno: string,
  env: Record<string, string>,
): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bootstrap`, script);
    await Deno.writeTextFile(`${dir}/deno`, deno);
    await Deno.chmod(`${dir}/bootstrap`, 0o755);
    await Deno.chmod(`${dir}/deno`, 0o755);
    const run = await new Deno.Command(`${dir}/bootstrap`, {
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin", ...env },
      stdout: "piped",
    }).output();
    return new TextDecoder().decode(run.stdout).replaceAll(dir, "DIR");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
