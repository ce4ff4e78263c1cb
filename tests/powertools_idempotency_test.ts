// Powertools for AWS Lambda (TypeScript) Idempotency from npm, unchanged, against a real DynamoDB (dynalite)
// under the emulator: at one invocation at a time and at --concurrency 2.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  CreateTableCommand,
  DynamoDBClient,
} from "npm:@aws-sdk/client-dynamodb@3.1169.0";
import {
  DynamoDBDocumentClient,
  ScanCommand,
} from "npm:@aws-sdk/lib-dynamodb@3.1169.0";
import { emulate, type TestEmulator } from "./_emulator.ts";
import { permissionFlags } from "../scripts/build.ts";
import { spawnLocalServers } from "../examples/aws_sdk/spawn_local_servers.ts";

const entry = new URL("./fixtures/aws_sdk/idempotency.ts", import.meta.url)
  .pathname;
const permissions = permissionFlags([], {
  // dynalite listens on loopback: the function is granted it as it would declare a local endpoint.
  declaration: {
    env: ["POWERTOOLS_*", "IDEMPOTENCY_TABLE"],
    net: ["127.0.0.1"],
  },
});

interface Answer {
  tag: string;
  execution: number;
  requestId: string;
}

/** The record's key Powertools derives from a flat event: the function's name, then the base64 MD5 of its key-sorted JSON. */
function key(event: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.entries(event).sort());
  const json = JSON.stringify(sorted);
  const hash = createHash("md5").update(json).digest("base64");
  return `function#${hash}`;
}

/** Everything the function and the platform wrote, as one text. */
function text(emulator: TestEmulator): string {
  return emulator.lines.map(({ line }) => line).join("\n");
}

async function answer(emulator: TestEmulator, event: object): Promise<Answer> {
  const { status, body } = await emulator.call(event);
  assert.equal(status, 200, text(emulator));
  assert.equal(
    typeof body?.execution,
    "number",
    JSON.stringify(body) + text(emulator),
  );
  return body;
}

Deno.test("Powertools Idempotency with DynamoDB", async (t) => {
  await using servers = await spawnLocalServers();
  const dynamodb = new DynamoDBClient({
    region: servers.env.AWS_REGION,
    endpoint: servers.env.AWS_ENDPOINT_URL_DYNAMODB,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  using _client = { [Symbol.dispose]: () => dynamodb.destroy() };
  const createTable = async (name: string) => {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  };
  const documents = DynamoDBDocumentClient.from(dynamodb);
  const records = async (table: string) =>
    (await documents.send(new ScanCommand({ TableName: table }))).Items ?? [];

  await t.step("one invocation at a time", async (t) => {
    await createTable("idempotency-sequential");
    await using emulator = await emulate(entry, {
      permissions,
      env: { ...servers.env, IDEMPOTENCY_TABLE: "idempotency-sequential" },
      timeout: 30,
    });
    const first = await answer(emulator, { tag: "a" });

    await t.step(
      "the same event again returns the first result and the handler does not run",
      async () => {
        const again = await answer(emulator, { tag: "a" });
        assert.deepEqual(again, first);
        assert.equal(first.execution, 1);
      },
    );

    await t.step(
      "the in-progress lease is the invocation's remaining time, read from the context",
      async () => {
        const [item] = await records("idempotency-sequential");
        assert.equal(typeof item.in_progress_expiration, "number");
        // At most the 30 s timeout after the write, well before the record's one-hour expiry.
        const lease = item.expiration * 1000 - item.in_progress_expiration;
        assert.ok(lease > 3_500_000, JSON.stringify(item));
        assert.doesNotMatch(text(emulator), /Could not determine remaining/);
      },
    );

    await t.step("a different event runs the handler again", async () => {
      const other = await answer(emulator, { tag: "b" });
      assert.equal(other.execution, 2);
      assert.notEqual(other.requestId, first.requestId);
    });

    await t.step(
      "each event's completed result is stored once in the table",
      async () => {
        const items = await records("idempotency-sequential");
        assert.equal(items.length, 2, JSON.stringify(items));
        const byKey = new Map(items.map((item) => [item.id, item]));
        const a = byKey.get(key({ tag: "a" }));
        const b = byKey.get(key({ tag: "b" }));
        assert.equal(a?.status, "COMPLETED", JSON.stringify(items));
        assert.deepEqual(a.data, first);
        assert.equal(b?.status, "COMPLETED");
        assert.deepEqual([b.data.tag, b.data.execution], ["b", 2]);
      },
    );
  });

  await t.step(
    "at concurrency 2 two different events in flight at once both complete and are each stored once",
    async () => {
      await createTable("idempotency-concurrent");
      await using emulator = await emulate(entry, {
        permissions,
        env: { ...servers.env, IDEMPOTENCY_TABLE: "idempotency-concurrent" },
        concurrency: 2,
        timeout: 30,
      });
      // "held" cannot finish until "released" has started: both are in flight together.
      const [held, released] = await Promise.all([
        answer(emulator, { tag: "held", hold: true }),
        answer(emulator, { tag: "released", release: true }),
      ]);
      assert.deepEqual([held.tag, released.tag], ["held", "released"]);
      assert.deepEqual([held.execution, released.execution].sort(), [1, 2]);
      const items = await records("idempotency-concurrent");
      assert.equal(items.length, 2, JSON.stringify(items));
      const byKey = new Map(items.map((item) => [item.id, item.data]));
      assert.deepEqual(byKey.get(key({ tag: "held", hold: true })), held);
      assert.deepEqual(
        byKey.get(key({ tag: "released", release: true })),
        released,
      );
      // Served from the table: the count does not move.
      assert.deepEqual(
        await answer(emulator, { tag: "held", hold: true }),
        held,
      );
    },
  );
});
