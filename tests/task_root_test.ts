// The task root as Lambda has it: under the emulator CLI a function runs from its own folder
// (LAMBDA_TASK_ROOT and its working directory) and cannot write there, built or a script.
import assert from "node:assert/strict";
import { buildEcho, HOST_ARCH } from "./_control_plane.ts";
import { startEmulatorCli } from "./_emulator_cli.ts";

// A function of plain Runtime API calls: it tries to write into its task root and answers what happened.
const WRITER = `
const api = "http://" + Deno.env.get("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime";
const attempt = (path) => {
  try {
    Deno.writeTextFileSync(path, "written");
    return "written";
  } catch (error) {
    return error.name + ": " + error.message;
  }
};
for (;;) {
  const next = await fetch(api + "/invocation/next");
  const id = next.headers.get("lambda-runtime-aws-request-id");
  await next.text();
  const root = Deno.env.get("LAMBDA_TASK_ROOT");
  const answer = {
    root,
    cwd: Deno.cwd(),
    intoRoot: attempt(root + "/written.txt"),
    intoCwd: attempt("written-here.txt"),
  };
  await fetch(api + "/invocation/" + id + "/response", { method: "POST", body: JSON.stringify(answer) });
}
`;

interface Answer {
  root: string;
  cwd: string;
  intoRoot: string;
  intoCwd: string;
}

async function tryWriting(entry: string): Promise<Answer> {
  await using cli = await startEmulatorCli([entry, "--port", "0"]);
  const response = await fetch(
    `${cli.url}/2015-03-31/functions/function/invocations`,
    { method: "POST", body: "{}" },
  );
  return await response.json();
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("a built bootstrap's task root is its own folder, read-only to it", async () => {
  const work = await Deno.makeTempDir({ prefix: "rtl-task-root-built-" });
  try {
    const zip = await buildEcho(`${work}/dist`);
    const unzip = await new Deno.Command("unzip", {
      args: ["-q", zip, "-d", `${work}/dist/${HOST_ARCH.build}`],
    }).output();
    assert.equal(unzip.code, 0, new TextDecoder().decode(unzip.stderr));
    // The portable bootstrap runs main.js: the writer instead of the echo; Deno itself would let it write /tmp.
    const dir = await Deno.realPath(`${work}/dist/${HOST_ARCH.build}`);
    await Deno.writeTextFile(`${dir}/main.js`, WRITER);
    const answer = await tryWriting(`${dir}/bootstrap`);
    assert.equal(answer.root, dir);
    assert.equal(answer.cwd, dir);
    assert.match(
      answer.intoRoot,
      /Read-only file system|os error 30|Permission denied/,
    );
    assert.match(
      answer.intoCwd,
      /Read-only file system|os error 30|Permission denied/,
    );
    assert.equal(await exists(`${dir}/written.txt`), false);
    assert.equal(await exists(`${dir}/written-here.txt`), false);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("a script's task root is its own folder, and it may not write there", async () => {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "rtl-task-root-script-" }),
  );
  try {
    // Under /tmp, which the default permissions let a function write.
    await Deno.writeTextFile(`${dir}/main.ts`, WRITER);
    const answer = await tryWriting(`${dir}/main.ts`);
    assert.equal(answer.root, dir);
    assert.equal(answer.cwd, dir);
    assert.match(answer.intoRoot, /^NotCapable: Requires write access/);
    assert.match(answer.intoCwd, /^NotCapable: Requires write access/);
    assert.equal(await exists(`${dir}/written.txt`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
