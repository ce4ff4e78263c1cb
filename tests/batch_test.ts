// processBatch on AWS's sample events, then the same partial failures end to end: a function under the
// emulator answers SQS, FIFO SQS and Kinesis batches with exactly the failed identifiers.
import assert from "node:assert/strict";
import {
  BatchEventError,
  BatchFailureError,
  processBatch,
} from "../src/events/batch.ts";
import type { Logger } from "../src/core/logger.ts";
import type { SQSEvent, SQSRecord } from "../src/events/mod.ts";
import { sqsEvent } from "./fixtures/events/sqs.ts";
import { sqsFifoEvent } from "./fixtures/events/sqs_fifo.ts";
import { kinesisEvent } from "./fixtures/events/kinesis.ts";
import { dynamoDbEvent } from "./fixtures/events/dynamodb.ts";
import { emulate, fixture } from "./_emulator.ts";

function quietLogger(lines: string[] = []): Logger {
  const log = (message: string) => {
    lines.push(message);
  };
  return {
    trace: log,
    debug: log,
    info: log,
    warn: log,
    error: log,
    fatal: log,
  };
}

/** A standard-queue event of `bodies.length` messages, ids m0, m1, … */
function sqsWith(bodies: string[]): SQSEvent {
  const template = sqsEvent.Records[0];
  return {
    Records: bodies.map((body, index): SQSRecord => ({
      ...template,
      messageId: `m${index}`,
      body,
    })),
  };
}

/** A FIFO event of `bodies.length` messages in one group, ids f0, f1, … */
function fifoWith(bodies: string[]): SQSEvent {
  const template = sqsFifoEvent.Records[0];
  return {
    Records: bodies.map((body, index): SQSRecord => ({
      ...template,
      messageId: `f${index}`,
      body,
      attributes: {
        ...template.attributes,
        SequenceNumber: String(18849496460467696128n + BigInt(index)),
      },
    })),
  };
}

function kinesisWith(payloads: string[]) {
  const template = kinesisEvent.Records[0];
  return {
    Records: payloads.map((text, index) => ({
      ...template,
      kinesis: {
        ...template.kinesis,
        sequenceNumber: `4959${index}`,
        data: btoa(text),
      },
    })),
  };
}

const failOn = (word: string) => (record: { body: string }) => {
  if (record.body.includes(word)) throw new Error(`bad ${record.body}`);
};

Deno.test("processBatch", async (t) => {
  await t.step("names each failed SQS message by its messageId", async () => {
    const response = await processBatch(
      sqsWith(["ok", "fail", "ok", "fail"]),
      failOn("fail"),
      { logger: quietLogger() },
    );
    assert.deepEqual(response, {
      batchItemFailures: [{ itemIdentifier: "m1" }, { itemIdentifier: "m3" }],
    });
  });

  await t.step("a standard queue goes on after a failure", async () => {
    const seen: string[] = [];
    await processBatch(sqsWith(["fail", "ok", "ok"]), (record) => {
      seen.push(record.messageId);
      failOn("fail")(record);
    }, { logger: quietLogger() });
    assert.deepEqual(seen, ["m0", "m1", "m2"]);
  });

  await t.step("an all-successful batch reports no failures", async () => {
    const response = await processBatch(sqsEvent, () => {});
    assert.deepEqual(response, { batchItemFailures: [] });
  });

  await t.step(
    "an empty batch succeeds without calling the handler",
    async () => {
      let calls = 0;
      const response = await processBatch({ Records: [] }, () => {
        calls++;
      });
      assert.deepEqual(response, { batchItemFailures: [] });
      assert.equal(calls, 0);
    },
  );

  await t.step("records run one at a time unless told otherwise", async () => {
    let inFlight = 0;
    let most = 0;
    await processBatch(sqsWith(["a", "b", "c", "d"]), async () => {
      most = Math.max(most, ++inFlight);
      await Promise.resolve();
      inFlight--;
    });
    assert.equal(most, 1);
  });

  await t.step(
    "a standard queue runs up to `concurrency` records at once",
    async () => {
      let inFlight = 0;
      let most = 0;
      const gates: (() => void)[] = [];
      const done = processBatch(
        sqsWith(["a", "b", "c", "d", "e"]),
        async () => {
          most = Math.max(most, ++inFlight);
          await new Promise<void>((resolve) => gates.push(resolve));
          inFlight--;
        },
        { concurrency: 3 },
      );
      // Release records as they arrive until all five ran.
      let released = 0;
      while (released < 5) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        const gate = gates.shift();
        if (gate !== undefined) {
          gate();
          released++;
        }
      }
      await done;
      assert.equal(most, 3);
    },
  );

  await t.step(
    "a FIFO queue stops at the first failure and reports it and every later message",
    async () => {
      const seen: string[] = [];
      const response = await processBatch(
        fifoWith(["ok", "fail", "ok", "ok"]),
        (record) => {
          seen.push(record.messageId);
          failOn("fail")(record);
        },
        { concurrency: 4, logger: quietLogger() },
      );
      assert.deepEqual(seen, ["f0", "f1"]);
      assert.deepEqual(response.batchItemFailures, [
        { itemIdentifier: "f1" },
        { itemIdentifier: "f2" },
        { itemIdentifier: "f3" },
      ]);
    },
  );

  await t.step(
    "Kinesis records are named by kinesis.sequenceNumber, in order",
    async () => {
      const response = await processBatch(
        kinesisWith(["ok", "ok", "fail", "ok"]),
        (record) => {
          if (atob(record.kinesis.data) === "fail") throw new Error("no");
        },
        { logger: quietLogger() },
      );
      assert.deepEqual(response.batchItemFailures, [
        { itemIdentifier: "49592" },
        { itemIdentifier: "49593" },
      ]);
    },
  );

  await t.step(
    "DynamoDB records are named by dynamodb.SequenceNumber",
    async () => {
      const response = await processBatch(dynamoDbEvent, (record) => {
        if (record.eventName === "MODIFY") throw new Error("cannot update");
      }, { logger: quietLogger() });
      assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: "222" }]);
    },
  );

  await t.step(
    "ordered: false lets a stream go on after a failure",
    async () => {
      const response = await processBatch(
        kinesisWith(["fail", "ok", "fail"]),
        (record) => {
          if (atob(record.kinesis.data) === "fail") throw new Error("no");
        },
        { ordered: false, logger: quietLogger() },
      );
      assert.deepEqual(response.batchItemFailures, [
        { itemIdentifier: "49590" },
        { itemIdentifier: "49592" },
      ]);
    },
  );

  await t.step(
    "every record failing throws BatchFailureError with each error",
    async () => {
      const error = await processBatch(
        sqsWith(["fail 1", "fail 2"]),
        failOn("fail"),
        { logger: quietLogger() },
      ).then(() => undefined, (thrown) => thrown);
      assert.ok(error instanceof BatchFailureError);
      assert.equal(error.name, "BatchFailureError");
      assert.deepEqual(
        error.errors.map((e) => (e as Error).message),
        ["bad fail 1", "bad fail 2"],
      );
    },
  );

  await t.step(
    "a stream whose first record fails has failed entirely, and throws",
    async () => {
      await assert.rejects(
        processBatch(kinesisWith(["fail", "ok"]), (record) => {
          if (atob(record.kinesis.data) === "fail") throw new Error("no");
        }, { logger: quietLogger() }),
        { name: "BatchFailureError" },
      );
    },
  );

  await t.step(
    "throwOnFullFailure: false returns every identifier instead",
    async () => {
      const response = await processBatch(
        sqsWith(["fail", "fail"]),
        failOn("fail"),
        {
          throwOnFullFailure: false,
          logger: quietLogger(),
        },
      );
      assert.deepEqual(response.batchItemFailures, [
        { itemIdentifier: "m0" },
        { itemIdentifier: "m1" },
      ]);
    },
  );

  await t.step("each failure is logged with its identifier", async () => {
    const lines: string[] = [];
    await processBatch(sqsWith(["ok", "fail"]), failOn("fail"), {
      logger: quietLogger(lines),
    });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /m1 failed: Error: bad fail/);
  });

  await t.step(
    "a record without its identifier is refused before any record runs",
    async () => {
      let calls = 0;
      await assert.rejects(
        processBatch(
          { Records: [{ messageId: "a" }, { messageId: "" }] },
          () => {
            calls++;
          },
        ),
        BatchEventError,
      );
      assert.equal(calls, 0);
    },
  );

  await t.step(
    "a concurrency that is not a whole number from 1 is refused before any record runs",
    async () => {
      let calls = 0;
      for (const concurrency of [Number.NaN, 0, 2.5]) {
        await assert.rejects(
          processBatch(
            { Records: [{ messageId: "a" }, { messageId: "b" }] },
            () => {
              calls++;
            },
            { concurrency },
          ),
          RangeError,
        );
      }
      assert.equal(calls, 0);
    },
  );

  await t.step("an event without Records is refused", async () => {
    await assert.rejects(
      processBatch({} as { Records: [] }, () => {}),
      { name: "BatchEventError", message: /no Records array/ },
    );
  });
});

Deno.test("partial batch responses under the emulator", async (t) => {
  await using emulator = await emulate(fixture("./fixtures/batch_function.ts"));
  await t.step(
    "an SQS batch answers exactly the failed messageIds",
    async () => {
      const { body, functionError } = await emulator.call(
        sqsWith(["ok", "fail", "ok", "fail", "ok"]),
      );
      assert.equal(functionError, null);
      assert.deepEqual(body, {
        batchItemFailures: [{ itemIdentifier: "m1" }, {
          itemIdentifier: "m3",
        }],
      });
    },
  );

  await t.step(
    "a FIFO SQS batch answers the first failure and everything after it",
    async () => {
      const { body } = await emulator.call(
        fifoWith(["ok", "ok", "fail", "ok"]),
      );
      assert.deepEqual(body, {
        batchItemFailures: [{ itemIdentifier: "f2" }, {
          itemIdentifier: "f3",
        }],
      });
    },
  );

  await t.step(
    "a Kinesis batch answers the failed sequence numbers",
    async () => {
      const { body } = await emulator.call(kinesisWith(["ok", "fail", "ok"]));
      assert.deepEqual(body, {
        batchItemFailures: [
          { itemIdentifier: "49591" },
          { itemIdentifier: "49592" },
        ],
      });
    },
  );

  await t.step("AWS's Kinesis sample succeeds whole", async () => {
    const { body } = await emulator.call(kinesisEvent);
    assert.deepEqual(body, { batchItemFailures: [] });
  });

  await t.step(
    "a batch that fails whole is a function error named BatchFailureError",
    async () => {
      const { body, functionError } = await emulator.call(sqsWith(["fail"]));
      assert.equal(functionError, "Unhandled");
      assert.equal(body.errorType, "BatchFailureError");
      assert.match(body.errorMessage, /All 1 records of the batch failed/);
    },
  );
});
