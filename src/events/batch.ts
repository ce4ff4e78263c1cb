/**
 * Partial batch responses for SQS, Kinesis and DynamoDB Streams: process each
 * record, and tell Lambda which ones failed so that only those are retried.
 *
 * The event source mapping must have `ReportBatchItemFailures` in its
 * `FunctionResponseTypes`, or Lambda ignores the response.
 *
 * - Each failed record is named by the identifier its source expects: an SQS
 *   message's `messageId`, a Kinesis record's `kinesis.sequenceNumber`, a
 *   DynamoDB record's `dynamodb.SequenceNumber`.
 * - Where order matters (FIFO queues and streams), records run one at a time
 *   and processing stops at the first failure: that record and every later
 *   one are reported failed, so they come back in order.
 * - Elsewhere records run one at a time, or `concurrency` at once.
 * - When every record fails, {@linkcode processBatch} throws a
 *   {@linkcode BatchFailureError}: the invocation is an error in Lambda's
 *   metrics, and the whole batch is retried, as with a full failure list.
 *
 * This module is not part of the runtime (`@rtl/lambda`) and imports nothing
 * from npm; the event types of `@rtl/lambda/events` fit its parameters.
 *
 * @example An SQS handler that retries only what failed
 * ```ts ignore
 * import { run } from "@rtl/lambda";
 * import { processBatch } from "@rtl/lambda/batch";
 * import type { SQSEvent } from "@rtl/lambda/events";
 *
 * run((event: SQSEvent) =>
 *   processBatch(event, async (record) => {
 *     await save(JSON.parse(record.body));
 *   })
 * );
 * ```
 *
 * @module
 */

import { LambdaRuntimeError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { logger as lambdaLogger } from "../logging/lambda_logger.ts";

/**
 * The fields of an SQS message the helper reads.
 *
 * @example
 * ```ts
 * import type { SqsRecordLike } from "@rtl/lambda/batch";
 *
 * const record: SqsRecordLike = {
 *   messageId: "059f36b4-87a3-44ab-83d2-661975830a7d",
 *   eventSource: "aws:sqs",
 *   eventSourceARN: "arn:aws:sqs:us-east-2:123456789012:my-queue",
 * };
 * ```
 */
export interface SqsRecordLike {
  /** The message's id: what a batch response names it by. */
  messageId: string;
  /** `aws:sqs`. */
  eventSource?: string;
  /** The queue's ARN; a FIFO queue's name ends with `.fifo`. */
  eventSourceARN?: string;
  /** System attributes; FIFO messages carry a `SequenceNumber`. */
  attributes?: { SequenceNumber?: string; MessageGroupId?: string };
}

/**
 * The fields of a Kinesis record the helper reads.
 *
 * @example
 * ```ts
 * import type { KinesisRecordLike } from "@rtl/lambda/batch";
 *
 * const record: KinesisRecordLike = {
 *   eventSource: "aws:kinesis",
 *   kinesis: { sequenceNumber: "49590338271490256608559692538361571095921575989136588898" },
 * };
 * ```
 */
export interface KinesisRecordLike {
  /** `aws:kinesis`. */
  eventSource?: string;
  /** The payload, with the sequence number a batch response names it by. */
  kinesis: { sequenceNumber: string };
}

/**
 * The fields of a DynamoDB stream record the helper reads.
 *
 * @example
 * ```ts
 * import type { DynamoDBRecordLike } from "@rtl/lambda/batch";
 *
 * const record: DynamoDBRecordLike = {
 *   eventSource: "aws:dynamodb",
 *   dynamodb: { SequenceNumber: "111" },
 * };
 * ```
 */
export interface DynamoDBRecordLike {
  /** `aws:dynamodb`. */
  eventSource?: string;
  /** The stream record, with the sequence number a batch response names it by. */
  dynamodb?: { SequenceNumber?: string };
}

/**
 * A record of any source the helper knows.
 *
 * @example
 * ```ts
 * import type { BatchRecord } from "@rtl/lambda/batch";
 *
 * const records: BatchRecord[] = [
 *   { messageId: "1" },
 *   { kinesis: { sequenceNumber: "2" } },
 *   { dynamodb: { SequenceNumber: "3" } },
 * ];
 * ```
 */
export type BatchRecord =
  | SqsRecordLike
  | KinesisRecordLike
  | DynamoDBRecordLike;

/**
 * One record Lambda should retry.
 *
 * @example
 * ```ts
 * import type { BatchItemFailure } from "@rtl/lambda/batch";
 *
 * const failure: BatchItemFailure = { itemIdentifier: "059f36b4-87a3-44ab-83d2-661975830a7d" };
 * ```
 */
export interface BatchItemFailure {
  /** The record's `messageId` (SQS) or sequence number (Kinesis, DynamoDB). */
  itemIdentifier: string;
}

/**
 * The partial batch response: the same shape for SQS, Kinesis and DynamoDB
 * Streams. An empty list means every record succeeded.
 *
 * @example
 * ```ts
 * import type { BatchResponse } from "@rtl/lambda/batch";
 *
 * const response: BatchResponse = { batchItemFailures: [{ itemIdentifier: "222" }] };
 * ```
 */
export interface BatchResponse {
  /** The records to retry. */
  batchItemFailures: BatchItemFailure[];
}

/**
 * Processes one record. Throwing (or rejecting) marks it failed.
 *
 * @example
 * ```ts
 * import type { RecordHandler, SqsRecordLike } from "@rtl/lambda/batch";
 *
 * const handler: RecordHandler<SqsRecordLike & { body: string }> = (record) => {
 *   if (record.body === "") throw new Error("empty message");
 * };
 * ```
 */
export type RecordHandler<R> = (record: R, index: number) => unknown;

/**
 * Options for {@linkcode processBatch}.
 *
 * @example
 * ```ts
 * import type { BatchOptions } from "@rtl/lambda/batch";
 *
 * const options: BatchOptions = { concurrency: 5 };
 * ```
 */
export interface BatchOptions {
  /**
   * How many records run at once when order does not matter; 1 when absent.
   * Ignored where order matters.
   */
  concurrency?: number;
  /**
   * Whether order matters. When absent it is decided from the event: true
   * for FIFO queues, Kinesis and DynamoDB Streams, false for standard queues.
   */
  ordered?: boolean;
  /** Throw a {@linkcode BatchFailureError} when every record fails; true when absent. */
  throwOnFullFailure?: boolean;
  /** Where each record's failure is logged; the Lambda logger (`logger`) when absent. */
  logger?: Logger;
}

/**
 * Every record of the batch failed. Thrown by {@linkcode processBatch} so
 * that the invocation counts as an error and the whole batch is retried.
 *
 * @example
 * ```ts
 * import { BatchFailureError } from "@rtl/lambda/batch";
 * import assert from "node:assert/strict";
 *
 * const error = new BatchFailureError([new Error("boom")], 1);
 * assert.equal(error.name, "BatchFailureError");
 * assert.equal(error.errors.length, 1);
 * ```
 */
export class BatchFailureError extends LambdaRuntimeError {
  /** What the records that ran threw, in record order. */
  readonly errors: unknown[];
  /** Creates the error. */
  constructor(errors: unknown[], recordCount: number, options?: ErrorOptions) {
    const first = errors.length > 0 ? `; the first: ${_reason(errors[0])}` : "";
    super(
      `All ${recordCount} records of the batch failed${first}`,
      { cause: errors[0], ...options },
    );
    this.name = "BatchFailureError";
    this.errors = errors;
  }
}

/**
 * The event is not a batch the helper can answer for: it has no `Records`,
 * or a record lacks the identifier its source needs.
 *
 * @example
 * ```ts
 * import { BatchEventError, processBatch } from "@rtl/lambda/batch";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   processBatch({ Records: [{ dynamodb: {} }] }, () => {}),
 *   BatchEventError,
 * );
 * ```
 */
export class BatchEventError extends LambdaRuntimeError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BatchEventError";
  }
}

/** Which event source a batch came from. */
type _Source = "sqs" | "kinesis" | "dynamodb";

/**
 * Runs `handler` on each record of an SQS, Kinesis or DynamoDB Streams
 * event and returns the partial batch response naming the records that
 * failed. See the module documentation for ordering and concurrency.
 *
 * @example Kinesis: the first failure stops the batch
 * ```ts
 * import { processBatch } from "@rtl/lambda/batch";
 * import assert from "node:assert/strict";
 *
 * const seen: string[] = [];
 * const response = await processBatch(
 *   {
 *     Records: ["1", "2", "3"].map((n) => ({
 *       eventSource: "aws:kinesis",
 *       kinesis: { sequenceNumber: n, data: btoa(`record ${n}`) },
 *     })),
 *   },
 *   (record) => {
 *     seen.push(record.kinesis.sequenceNumber);
 *     if (record.kinesis.sequenceNumber === "2") throw new Error("cannot store it");
 *   },
 *   { logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} } },
 * );
 * assert.deepEqual(seen, ["1", "2"]);
 * assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: "2" }, { itemIdentifier: "3" }]);
 * ```
 */
export async function processBatch<R extends BatchRecord>(
  event: { Records: R[] },
  handler: RecordHandler<R>,
  options: BatchOptions = {},
): Promise<BatchResponse> {
  const records = event?.Records;
  if (!Array.isArray(records)) {
    throw new BatchEventError(
      "The event has no Records array: processBatch() takes an SQS, Kinesis or DynamoDB Streams event",
    );
  }
  if (records.length === 0) return { batchItemFailures: [] };
  const source = _sourceOf(records[0]);
  const ids = records.map((record, index) =>
    _identifier(source, record, index)
  );
  const ordered = options.ordered ?? _ordered(source, records[0]);
  const wanted = options.concurrency ?? 1;
  // NaN would start no worker and acknowledge a batch nobody ran.
  if (!Number.isInteger(wanted) || wanted < 1) {
    throw new RangeError(
      `processBatch() concurrency must be a whole number from 1, got ${wanted}; no record was run`,
    );
  }
  const concurrency = ordered ? 1 : wanted;
  const logger = options.logger ?? lambdaLogger;
  // undefined: succeeded or not run; otherwise what it threw (or the short-circuit).
  const failed: (_Failure | undefined)[] = new Array(records.length);
  let stoppedAt = records.length;

  async function runOne(index: number): Promise<void> {
    try {
      await handler(records[index], index);
    } catch (error) {
      failed[index] = { error };
      logger.error(`Batch record ${ids[index]} failed: ${_reason(error)}`, {
        itemIdentifier: ids[index],
      });
      if (ordered) stoppedAt = Math.min(stoppedAt, index);
    }
  }

  if (ordered) {
    for (
      let index = 0;
      index < records.length && stoppedAt === records.length;
      index++
    ) {
      await runOne(index);
    }
  } else {
    let next = 0;
    const workers = Array.from(
      { length: Math.min(concurrency, records.length) },
      async () => {
        while (next < records.length) await runOne(next++);
      },
    );
    await Promise.all(workers);
  }

  const batchItemFailures: BatchItemFailure[] = [];
  const errors: unknown[] = [];
  for (let index = 0; index < records.length; index++) {
    const failure = failed[index];
    if (failure !== undefined) errors.push(failure.error);
    if (failure !== undefined || index > stoppedAt) {
      batchItemFailures.push({ itemIdentifier: ids[index] });
    }
  }
  if (stoppedAt < records.length - 1) {
    logger.warn(
      `Batch stopped at record ${ids[stoppedAt]} to keep the order: the ${
        records.length - 1 - stoppedAt
      } records after it were not processed and are reported failed`,
    );
  }
  if (
    batchItemFailures.length === records.length &&
    (options.throwOnFullFailure ?? true)
  ) {
    throw new BatchFailureError(errors, records.length);
  }
  return { batchItemFailures };
}

interface _Failure {
  error: unknown;
}

function _sourceOf(record: BatchRecord): _Source {
  const declared = (record as { eventSource?: unknown }).eventSource;
  if (declared === "aws:sqs") return "sqs";
  if (declared === "aws:kinesis") return "kinesis";
  if (declared === "aws:dynamodb") return "dynamodb";
  if (typeof record !== "object" || record === null) {
    throw new BatchEventError(
      `A batch record must be an object, got ${
        record === null ? "null" : typeof record
      }`,
    );
  }
  if ("messageId" in record) return "sqs";
  if ("kinesis" in record) return "kinesis";
  if ("dynamodb" in record) return "dynamodb";
  throw new BatchEventError(
    "The records are not from SQS, Kinesis or DynamoDB Streams (no eventSource, messageId, kinesis or dynamodb field)",
  );
}

function _identifier(
  source: _Source,
  record: BatchRecord,
  index: number,
): string {
  let id: unknown;
  let field: string;
  if (source === "sqs") {
    id = (record as SqsRecordLike)?.messageId;
    field = "messageId";
  } else if (source === "kinesis") {
    id = (record as KinesisRecordLike)?.kinesis?.sequenceNumber;
    field = "kinesis.sequenceNumber";
  } else {
    id = (record as DynamoDBRecordLike)?.dynamodb?.SequenceNumber;
    field = "dynamodb.SequenceNumber";
  }
  if (typeof id !== "string" || id === "") {
    throw new BatchEventError(
      `Record ${index} has no ${field}: a partial batch response could not name it`,
    );
  }
  return id;
}

function _ordered(source: _Source, first: BatchRecord): boolean {
  if (source !== "sqs") return true;
  const record = first as SqsRecordLike;
  // Standard queues may carry MessageGroupId too (fair queues); only FIFO ones have a sequence number.
  return record.eventSourceARN?.endsWith(".fifo") === true ||
    record.attributes?.SequenceNumber !== undefined;
}

function _reason(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return "(a value that cannot be described)";
  }
}
