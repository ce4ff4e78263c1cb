// A built bootstrap starts as in a new sandbox: its own empty /tmp, so its Init Duration is a cold start.
import assert from "node:assert/strict";
import { emulate, fixture } from "./_emulator.ts";

const envFunction = fixture("fixtures/env_function.ts");

Deno.test("a fresh /tmp for each function process", async (t) => {
  let first: { TMPDIR?: string; DENO_DIR?: string } = {};

  await t.step(
    "the function's TMPDIR is a new folder, with DENO_DIR inside it",
    async () => {
      await using lambda = await emulate(envFunction, { freshTmp: true });
      const { body } = await lambda.call(["TMPDIR", "DENO_DIR"]);
      first = body;
      assert.match(String(body.TMPDIR), /rtl-lambda-tmp-/);
      assert.equal(body.DENO_DIR, `${body.TMPDIR}/deno`);
    },
  );

  await t.step("the folder is removed once its process has ended", async () => {
    await assert.rejects(Deno.stat(first.TMPDIR!), Deno.errors.NotFound);
  });

  await t.step("another process gets another folder", async () => {
    await using lambda = await emulate(envFunction, { freshTmp: true });
    const { body } = await lambda.call(["TMPDIR"]);
    assert.notEqual(body.TMPDIR, first.TMPDIR);
  });

  await t.step("without the option the machine's TMPDIR stays", async () => {
    await using lambda = await emulate(envFunction);
    const { body } = await lambda.call(["TMPDIR"]);
    assert.doesNotMatch(String(body.TMPDIR), /rtl-lambda-tmp-/);
  });
});
