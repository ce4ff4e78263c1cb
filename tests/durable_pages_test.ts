// GetDurableExecutionState's pages: operations in the order they began, cut by MaxItems and resumed from
// NextMarker; the children of a closed context left out unless it replays them.
import assert from "node:assert/strict";
import { page } from "../local/src/durable/pages.ts";
import { newRecord } from "../local/src/durable/record.ts";
import type { Operation } from "../local/src/durable/types.ts";

function record(ops: Omit<Operation, "StartTimestamp">[]) {
  const r = newRecord("arn:x", "x", {
    functionName: "f",
    functionArn: "arn:f",
    version: "$LATEST",
    qualifier: undefined,
    config: { ExecutionTimeout: 60, RetentionPeriodInDays: 1 },
    input: "{}",
  }, 0);
  for (const op of ops) r.operations.set(op.Id, { ...op, StartTimestamp: 0 });
  return r;
}

Deno.test("state pages follow NextMarker to the last operation", () => {
  const r = record(["a", "b", "c"].map((Id) => ({
    Id,
    Type: "STEP",
    Status: "SUCCEEDED",
  })));
  const first = page(r, undefined, 2);
  assert.equal(first.Operations.length, 2);
  assert.equal(first.Operations[0].Type, "EXECUTION");
  const second = page(r, first.NextMarker, 2);
  assert.deepEqual(second.Operations.map((op) => op.Id), ["b", "c"]);
  assert.equal(second.NextMarker, undefined);
  assert.throws(() => page(r, "nine", 2), /Invalid Marker/);
});

Deno.test("a closed context's children are replayed only when it asks", () => {
  const ops = (replay: boolean) =>
    record([
      {
        Id: "ctx",
        Type: "CONTEXT",
        Status: "SUCCEEDED",
        ContextDetails: { ReplayChildren: replay },
      },
      { Id: "child", ParentId: "ctx", Type: "STEP", Status: "SUCCEEDED" },
      {
        Id: "grandchild",
        ParentId: "child",
        Type: "STEP",
        Status: "SUCCEEDED",
      },
    ]);
  const ids = (replay: boolean) =>
    page(ops(replay), undefined, 100).Operations.map((op) => op.Id).slice(1);
  assert.deepEqual(ids(false), ["ctx"]);
  assert.deepEqual(ids(true), ["ctx", "child", "grandchild"]);
});
