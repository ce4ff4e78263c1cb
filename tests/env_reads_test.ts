// Reading configuration never crashes a library: a variable outside the function's grant reads as unset, the
// audit still lists the read, the docs' snippets run as written with no grant added, and a refusal names its grant.
import assert from "node:assert/strict";
import { emulate, fixture } from "./_emulator.ts";
import { permissionFlags } from "../scripts/build.ts";
import { permissionHint } from "../src/node/permission_hint.ts";
import { importMap, snippets } from "./_doc_snippets.ts";

const root = new URL("../", import.meta.url);

Deno.test("a variable outside the grant reads as unset, and the audit lists it", async () => {
  const audit = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await using emulator = await emulate(fixture("fixtures/env_reads.ts"), {
      permissions: permissionFlags(),
      env: { UNLISTED: "secret", DENO_AUDIT_PERMISSIONS: audit },
    });
    const { status, functionError, body } = await emulator.call({});
    assert.equal(status, 200);
    assert.equal(functionError, null, JSON.stringify(body));
    assert.deepEqual(body, {
      get: null,
      processEnv: null,
      inObject: false,
      inKeys: false,
      granted: "function",
    });
    const reads = (await Deno.readTextFile(audit)).trim().split("\n")
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.permission === "env")
      .map((entry) => entry.value);
    assert.ok(reads.includes("UNLISTED"), reads.join(", "));
  } finally {
    await Deno.remove(audit);
  }
});

Deno.test("dotenv, the AWS SDK and Powertools load and construct under the defaults alone", async () => {
  await using emulator = await emulate(fixture("fixtures/env_libraries.ts"), {
    permissions: permissionFlags(),
    timeout: 30,
    initTimeout: 30,
  });
  const { functionError, body } = await emulator.call({});
  const lines = emulator.lines.map(({ line }) => line).join("\n");
  assert.equal(functionError, null, `${JSON.stringify(body)}\n${lines}`);
  assert.deepEqual(body, ["S3Client", "Logger", "Metrics", "Tracer"]);
});

Deno.test("docs/node-compat.md's TypeScript snippets run as written, with no grant added", async (t) => {
  const markdown = await Deno.readTextFile(
    new URL("docs/node-compat.md", root),
  );
  const blocks = snippets(markdown);
  assert.ok(blocks.length > 0, "the page has TypeScript snippets");
  const dir = await Deno.makeTempDir({ prefix: "rtl_docs_" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ imports: importMap() }),
    );
    for (const [index, code] of blocks.entries()) {
      await t.step(`snippet ${index + 1}: ${code.split("\n")[0]}`, async () => {
        const entry = `${dir}/snippet_${index + 1}.ts`;
        await Deno.writeTextFile(entry, code);
        await using emulator = await emulate(entry, {
          permissions: permissionFlags(),
          denoFlags: ["--config", `${dir}/deno.json`],
          timeout: 30,
          initTimeout: 30,
        });
        const { functionError, body } = await emulator.call({ orderId: 7 });
        const lines = emulator.lines.map(({ line }) => line).join("\n");
        assert.equal(functionError, null, `${JSON.stringify(body)}\n${lines}`);
        assert.deepEqual(body, { ok: true });
        assert.match(lines, /"message":"order placed".*"orderId":7/);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a refusal that names no variable still names its grant", () => {
  const hint = permissionHint(
    "NotCapable: Requires env access, run again with the --allow-env flag",
  );
  assert.match(hint!, /add "env": true to "permissions"/);
  assert.match(hint!, /--allow-env\./);
  assert.match(
    permissionHint('Requires env access to "TABLE", run again')!,
    /"env": \["TABLE"\]/,
  );
});
