// The AWS SDK example and a function refused at import, each built with `scripts/build.ts --portable`
// (bundle, minify, V8 cache warm-up) and run as Lambda would: a long run (a minute and more loaded),
// so here in deno task test:measure; tests/build_test.ts keeps a fast one on the shared echo build.
import assert from "node:assert/strict";
import { resolveTarget } from "../../scripts/build/targets.ts";
import { startEmulator } from "../../local/mod.ts";
import { build } from "../../scripts/build.ts";
import { spawnLocalServers } from "../../examples/aws_sdk/spawn_local_servers.ts";

const entry = new URL("../../examples/aws_sdk/main.ts", import.meta.url)
  .pathname;
const host = resolveTarget(Deno.build.arch === "aarch64" ? "arm64" : "x64");

async function invoke(url: string, event: unknown): Promise<unknown> {
  const response = await fetch(
    `${url}/2015-03-31/functions/function/invocations`,
    { method: "POST", body: JSON.stringify(event) },
  );
  return await response.json();
}

Deno.test("a refusal at import in the built function reaches /init/error with its fix", async () => {
  const out = await Deno.makeTempDir({ prefix: "needs-grant-build-" });
  try {
    const [artifact] = await build({
      entry: new URL("../fixtures/aws_sdk/needs_grant.ts", import.meta.url)
        .pathname,
      targets: [host],
      out,
      portable: true,
      progress: () => {},
    });
    await using emulator = await startEmulator({
      command: [artifact.bootstrap],
      port: 0,
      timeout: 30,
      output: () => {},
    });
    const answer = await invoke(emulator.url, {}) as { errorMessage: string };
    assert.match(
      answer.errorMessage,
      /Requires read access to "\/etc\/rtl-fixture-secret"/,
    );
    assert.match(answer.errorMessage, /--allow-read=\/etc\/rtl-fixture-secret/);
    assert.match(answer.errorMessage, /permissions/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("the AWS SDK example's portable artifact, unzipped read-only and without HOME, answers", async () => {
  await using servers = await spawnLocalServers();
  const out = await Deno.makeTempDir({ prefix: "aws-sdk-build-" });
  const [artifact] = await build({
    entry,
    targets: [host],
    out,
    portable: true,
    progress: () => {},
  });
  const root = `${out}/unzipped`;
  await Deno.mkdir(root);
  const unzip = await new Deno.Command("unzip", {
    args: ["-q", artifact.zip, "-d", root],
  }).output();
  assert.equal(unzip.code, 0);
  await Deno.chmod(root, 0o555);
  try {
    const lines: string[] = [];
    await using emulator = await startEmulator({
      command: [`${root}/bootstrap`],
      cwd: root,
      port: 0,
      env: { ...servers.env, HOME: "" },
      timeout: 30,
      output: (line) => lines.push(line),
    });
    const answer = await invoke(emulator.url, { n: 2 }) as {
      object: string;
      item: string;
    };
    assert.equal(answer.object, '{"n":2}', lines.join("\n"));
    assert.equal(answer.item, '{"n":2}');
  } finally {
    await Deno.chmod(root, 0o755);
    await Deno.remove(out, { recursive: true });
  }
});
