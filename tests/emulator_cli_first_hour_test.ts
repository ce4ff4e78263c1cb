// A newcomer's first hour with the emulator CLI: its hints work, its limits are Lambda's, a script that
// fails to load says why, the certificate variables reach the function, and Ctrl-C of the group cleans up.
import assert from "node:assert/strict";
import { emulatorCommand, startEmulatorCli } from "./_emulator_cli.ts";
import { tail } from "./_text_tail.ts";

const root = new URL("..", import.meta.url).pathname;

/** The CLI's stderr once it exits 1; fails (ending it) if it starts the function instead. */
async function refusal(args: string[]): Promise<string> {
  const process = emulatorCommand(args).spawn();
  await using stderr = tail(process.stderr);
  const started = stderr.match(/^Function .* on http/m).then(
    () => "started",
    () => "ended",
  );
  const outcome = await Promise.race([process.status, started]);
  if (outcome === "started") {
    process.kill("SIGKILL");
    await process.status;
    assert.fail(`the emulator started with ${args.join(" ")}`);
  }
  assert.equal((await process.status).code, 1);
  return await stderr.ended();
}

async function invoke(url: string, name: string, body: string) {
  const response = await fetch(
    `${url}/2015-03-31/functions/${name}/invocations`,
    { method: "POST", body },
  );
  return {
    functionError: response.headers.get("x-amz-function-error"),
    body: await response.json(),
  };
}

Deno.test("the emulator's limits are Lambda's, refused with its messages", async (t) => {
  const echo = `${root}examples/echo/main.ts`;
  for (
    const [flag, value, bound] of [
      ["--memory", "64", "greater than or equal to 128"],
      ["--memory", "100", "greater than or equal to 128"],
      ["--memory", "0", "greater than or equal to 128"],
      ["--memory", "20000", "less than or equal to 10240"],
      ["--timeout", "0", "greater than or equal to 1"],
      ["--timeout", "901", "less than or equal to 900"],
    ]
  ) {
    await t.step(`${flag} ${value} is refused`, async () => {
      const text = await refusal([echo, flag, value]);
      const member = flag === "--memory" ? "memorySize" : "timeout";
      assert.match(
        text,
        new RegExp(
          `Value '${value}' at '${member}' failed to satisfy constraint: Member must have value ${bound}`,
        ),
      );
      assert.match(text, flag === "--memory" ? /MemorySize/ : /Timeout/);
    });
  }
});

Deno.test("the banner's curl hint answers the echo example", async () => {
  await using cli = await startEmulatorCli([
    `${root}examples/echo/main.ts`,
    "--port",
    "0",
  ]);
  const [, hint] = await cli.stderr.match(/^Invoke it: (curl .*)$/m);
  const { code, stdout } = await new Deno.Command("sh", {
    args: ["-c", `${hint} -s`],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(code, 0);
  const answer = JSON.parse(new TextDecoder().decode(stdout));
  assert.match(answer.message, /^ECHO: /);
});

Deno.test("a script that fails at import reaches the caller as Runtime.ImportModuleError", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "rtl-import-error-" });
  try {
    for (
      const [what, source, args, message] of [
        [
          "a syntax error",
          "const x = ;\n",
          [],
          /SyntaxError: Expression expected/,
        ],
        [
          "a top-level throw",
          'throw new TypeError("no table");\n',
          [],
          /TypeError: no table/,
        ],
        [
          "a refused permission",
          'Deno.readTextFileSync("/etc/hostname");\n',
          [],
          /NotCapable: Requires read access to "\/etc\/hostname"/,
        ],
        [
          "a failed download",
          'import "http://127.0.0.1:9/gone.ts";\n',
          ["--allow", "import=127.0.0.1:9"],
          /127\.0\.0\.1:9\/gone\.ts/,
        ],
      ] as const
    ) {
      await t.step(what, async () => {
        const entry = `${dir}/${what.replaceAll(" ", "_")}.ts`;
        await Deno.writeTextFile(entry, source);
        await using cli = await startEmulatorCli([
          entry,
          "--port",
          "0",
          ...args,
        ]);
        const { functionError, body } = await invoke(cli.url, "function", "{}");
        assert.equal(functionError, "Unhandled");
        assert.equal(body.errorType, "Runtime.ImportModuleError");
        assert.match(body.errorMessage, message);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the certificate variables Deno and Node read are passed to the function", async () => {
  // Real files: Deno reads them at its start.
  const bundle = "/etc/ssl/certs/ca-certificates.crt";
  const certs = {
    DENO_CERT: bundle,
    DENO_TLS_CA_STORE: "system,mozilla",
    NODE_EXTRA_CA_CERTS: bundle,
    SSL_CERT_FILE: bundle,
    SSL_CERT_DIR: "/etc/ssl/certs",
  };
  const process = emulatorCommand([
    `${root}tests/fixtures/env_function.ts`,
    "--port",
    "0",
    "--allow",
    "env",
  ], certs).spawn();
  await using stderr = tail(process.stderr);
  try {
    const [, url] = await stderr.match(/^Function .* on (http:\/\/\S+)$/m);
    const { body } = await invoke(
      url,
      "function",
      JSON.stringify(Object.keys(certs)),
    );
    assert.deepEqual(body, certs);
  } finally {
    process.kill("SIGTERM");
    await process.status;
  }
});

/** The cgroups named for emulator process `pid`, anywhere under /sys/fs/cgroup. */
async function groupsOf(pid: number): Promise<string[]> {
  const { stdout } = await new Deno.Command("find", {
    args: [
      "/sys/fs/cgroup",
      "-maxdepth",
      "4",
      "-type",
      "d",
      "-name",
      `rtl-lambda-${pid}-*`,
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).split("\n").filter((line) => line);
}

Deno.test("a terminal Ctrl-C (SIGINT to the whole group) leaves no cgroup behind", async () => {
  // Detached: the emulator leads a process group of its own, as a shell's foreground job does.
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=emulator",
      "--no-prompt",
      `${root}local/mod.ts`,
      `${root}examples/echo/main.ts`,
      "--port",
      "0",
    ],
    cwd: root,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    detached: true,
  }).spawn();
  await using stderr = tail(process.stderr);
  try {
    const [, url] = await stderr.match(/^Function .* on (http:\/\/\S+)$/m);
    const { body } = await invoke(url, "function", '"hi"');
    assert.equal(body.message, "ECHO: hi");
    const groups = await groupsOf(process.pid);
    assert.notDeepEqual(
      groups,
      [],
      "the sandbox has its memory and freezer groups",
    );
    Deno.kill(-process.pid, "SIGINT");
    assert.equal((await process.status).code, 0);
    assert.deepEqual(
      await groupsOf(process.pid),
      [],
      `left: ${groups.join(", ")}`,
    );
  } finally {
    try {
      Deno.kill(-process.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await process.status;
  }
});
