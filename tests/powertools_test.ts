// Powertools for AWS Lambda (TypeScript) Logger and Metrics from npm at --concurrency 2, through globalThis.awslambda.
import assert from "node:assert/strict";
import { emulate } from "./_emulator.ts";
import { permissionFlags } from "../scripts/build.ts";

const entry = new URL("./fixtures/aws_sdk/powertools.ts", import.meta.url)
  .pathname;

Deno.test("Powertools at concurrency 2", async (t) => {
  await using emulator = await emulate(entry, {
    // The defaults only: the variables Powertools probes (POWERTOOLS_*, ENVIRONMENT, LOG_LEVEL) read as unset.
    permissions: permissionFlags(),
    concurrency: 2,
    timeout: 30,
  });
  const call = async (event: object) => {
    const response = await emulator.invoke(JSON.stringify(event));
    await response.text();
    return response.headers.get("x-amzn-requestid");
  };
  const [held, releasing] = await Promise.all([
    call({ tag: "held", hold: true }),
    call({ tag: "releasing", release: true }),
  ]);
  const ids: Record<string, string | null> = { held, releasing };
  const lines = emulator.lines.map(({ line }) => line);
  const records = lines.flatMap((line) => {
    try {
      return [JSON.parse(line.slice(line.indexOf("{")))];
    } catch {
      return [];
    }
  });

  await t.step("every log line carries its own invocation's request id", () => {
    const logs = records.filter((record) => record.message && record.tag);
    assert.equal(logs.length, 4, lines.join("\n"));
    for (const log of logs) {
      assert.equal(log.function_request_id, ids[log.tag], JSON.stringify(log));
    }
  });

  await t.step("each invocation publishes its own metric, not both", () => {
    const emf = records.filter((record) => record._aws);
    assert.equal(emf.length, 2, lines.join("\n"));
    for (const record of emf) assert.equal(record.calls, 1);
    assert.deepEqual(emf.map((record) => record.tag).sort(), [
      "held",
      "releasing",
    ]);
  });
});
