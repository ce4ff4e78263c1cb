// One durable execution as the engine keeps it: what started it, where it is, its operations and history.
import type { ExecutionState } from "./execution_state.ts";
import { addEvent } from "./history.ts";
import type { DurableConfig, HistoryEvent, Operation } from "./types.ts";

/** A callback's deadlines, in epoch ms. */
export interface CallbackTimers {
  /** The operation it completes. */
  readonly operationId: string;
  /** When it times out, if it has a timeout. */
  timeoutAt?: number;
  /** Its heartbeat timeout in seconds, if any. */
  heartbeatSeconds?: number;
  /** When it times out for want of a heartbeat. */
  heartbeatAt?: number;
}

/** An execution: the fields a restart needs to carry on. */
export interface ExecutionRecord {
  readonly arn: string;
  readonly name: string;
  readonly functionName: string;
  readonly functionArn: string;
  /** The version it runs (`$LATEST` or a number): every replay uses it. */
  readonly version: string;
  /** The qualifier it was invoked with, if any. */
  readonly qualifier: string | undefined;
  readonly input: string;
  readonly config: DurableConfig;
  readonly startTimestamp: number;
  /** The id of its EXECUTION operation. */
  readonly executionOperationId: string;
  state: ExecutionState;
  /** The checkpoint token a checkpoint must carry now; undefined while no invocation runs. */
  token: string | undefined;
  /** How many tokens were issued: each token names its number. */
  tokenSerial: number;
  /** The operations by id, in the order they began. */
  operations: Map<string, Operation>;
  events: HistoryEvent[];
  callbacks: Map<string, CallbackTimers>;
  /** Operations changed outside an invocation (a wait elapsed, a callback came) since the last invocation or checkpoint. */
  updated: Set<string>;
  /** Invocations in a row that failed without answering. */
  failedInvocations: number;
}

/** The fields of a record a store writes as one JSON document (operations and events apart). */
export function headerOf(record: ExecutionRecord): Record<string, unknown> {
  return {
    arn: record.arn,
    name: record.name,
    functionName: record.functionName,
    functionArn: record.functionArn,
    version: record.version,
    qualifier: record.qualifier,
    input: record.input,
    config: record.config,
    startTimestamp: record.startTimestamp,
    executionOperationId: record.executionOperationId,
    state: record.state,
    token: record.token,
    tokenSerial: record.tokenSerial,
    callbacks: [...record.callbacks],
    updated: [...record.updated],
    failedInvocations: record.failedInvocations,
  };
}

/** A record from its header, operations and events as a store read them. */
export function recordOf(
  header: Record<string, unknown>,
  operations: Operation[],
  events: HistoryEvent[],
): ExecutionRecord {
  const h = header as unknown as ExecutionRecord & {
    callbacks: [string, CallbackTimers][];
    updated: string[];
  };
  return {
    ...h,
    operations: new Map(operations.map((op) => [op.Id, op])),
    events,
    callbacks: new Map(h.callbacks),
    updated: new Set(h.updated),
  };
}

/** What a new execution is made of. */
export interface NewExecution {
  readonly functionName: string;
  readonly functionArn: string;
  readonly version: string;
  readonly qualifier: string | undefined;
  readonly config: DurableConfig;
  readonly input: string;
}

/** A new RUNNING execution at `now`: its EXECUTION operation started with the input, and its first event. */
export function newRecord(
  arn: string,
  name: string,
  request: NewExecution,
  now: number,
): ExecutionRecord {
  const id = crypto.randomUUID();
  const op: Operation = {
    Id: id,
    Type: "EXECUTION",
    Status: "STARTED",
    StartTimestamp: now,
    ExecutionDetails: { InputPayload: request.input },
  };
  const record: ExecutionRecord = {
    arn,
    name,
    functionName: request.functionName,
    functionArn: request.functionArn,
    version: request.version,
    qualifier: request.qualifier,
    input: request.input,
    config: request.config,
    startTimestamp: now,
    executionOperationId: id,
    state: { status: "RUNNING" },
    token: undefined,
    tokenSerial: 0,
    operations: new Map([[id, op]]),
    events: [],
    callbacks: new Map(),
    updated: new Set(),
    failedInvocations: 0,
  };
  addEvent(record, now, "ExecutionStarted", { Id: id, Name: name }, {
    Input: { Payload: request.input, Truncated: false },
    ExecutionTimeout: request.config.ExecutionTimeout,
  });
  return record;
}
