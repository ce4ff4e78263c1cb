// The AWS SDK v3 example against local S3 (s3rver) and DynamoDB (dynalite): under the emulator with the
// permissions a build bakes in, and from the built portable artifact unzipped into a read-only folder.
import assert from "node:assert/strict";
import { emulate, type TestEmulator } from "./_emulator.ts";
import { resolveTarget } from "../scripts/build/targets.ts";
import { startEmulator } from "../local/mod.ts";
import { build } from "../scripts/build.ts";
import { findDeclaration, permissionFlags } from "../scripts/build.ts";
import { spawnLocalServers } from "../examples/aws_sdk/spawn_local_servers.ts";

const entry = new URL("../examples/aws_sdk/main.ts", import.meta.url).pathname;

/** Everything the function and the platform wrote, as one text. */
function text(emulator: TestEmulator): string {
  return emulator.lines.map(({ line }) => line).join("\n");
}

async function invoke(url: string, event: unknown): Promise<unknown> {
  const response = await fetch(
    `${url}/2015-03-31/functions/function/invocations`,
    { method: "POST", body: JSON.stringify(event) },
  );
  return await response.json();
}

Deno.test("AWS SDK example", async (t) => {
  await using servers = await spawnLocalServers();
  const declaration = (await findDeclaration(entry))?.declaration;

  await t.step(
    "under the emulator with its deployed permissions it puts and gets an object and an item",
    async () => {
      await using emulator = await emulate(entry, {
        permissions: permissionFlags([], { declaration }),
        env: servers.env,
        timeout: 30,
      });
      const { body } = await emulator.call({ n: 1 });
      assert.equal(body.object, '{"n":1}', text(emulator));
      assert.equal(body.item, '{"n":1}');
    },
  );

  await t.step(
    "without its env grant BUCKET and TABLE read as unset: it answers with its default names, no crash",
    async () => {
      // Only the local servers' address is granted (a function reaches no loopback port but its Runtime API by default).
      await using emulator = await emulate(entry, {
        permissions: permissionFlags(["--allow-net=127.0.0.1"]),
        env: servers.env,
        timeout: 30,
      });
      const { functionError, body } = await emulator.call({ n: 2 });
      assert.equal(functionError, null, text(emulator));
      assert.equal(body.object, '{"n":2}');
    },
  );

  await t.step(
    "a refusal at import in the built function reaches /init/error with its fix",
    async () => {
      const out = await Deno.makeTempDir({ prefix: "needs-grant-build-" });
      try {
        const [artifact] = await build({
          entry: new URL("./fixtures/aws_sdk/needs_grant.ts", import.meta.url)
            .pathname,
          targets: [
            resolveTarget(Deno.build.arch === "aarch64" ? "arm64" : "x64"),
          ],
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
        const answer = await invoke(emulator.url, {}) as {
          errorMessage: string;
        };
        assert.match(
          answer.errorMessage,
          /Requires read access to "\/etc\/rtl-fixture-secret"/,
        );
        assert.match(
          answer.errorMessage,
          /--allow-read=\/etc\/rtl-fixture-secret/,
        );
        assert.match(answer.errorMessage, /permissions/);
      } finally {
        await Deno.remove(out, { recursive: true });
      }
    },
  );

  await t.step(
    "the portable artifact, unzipped read-only and without HOME, answers",
    async () => {
      const out = await Deno.makeTempDir({ prefix: "aws-sdk-build-" });
      const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
      const [artifact] = await build({
        entry,
        targets: [resolveTarget(arch)],
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
    },
  );
});
