// The durable API's shapes (Lambda 2025-12-01), as the engine keeps them: timestamps in epoch milliseconds.

/** The kinds of operation a durable handler checkpoints. */
export type OperationType =
  | "EXECUTION"
  | "STEP"
  | "WAIT"
  | "CALLBACK"
  | "CONTEXT"
  | "CHAINED_INVOKE";

/** What an update does to its operation. */
export type OperationAction = "START" | "SUCCEED" | "FAIL" | "RETRY" | "CANCEL";

/** An operation's status. */
export type OperationStatus =
  | "STARTED"
  | "PENDING"
  | "READY"
  | "SUCCEEDED"
  | "FAILED"
  | "CANCELLED"
  | "TIMED_OUT"
  | "STOPPED";

/** Lambda's `ErrorObject`. */
export interface ErrorObject {
  ErrorMessage?: string;
  ErrorType?: string;
  ErrorData?: string;
  StackTrace?: string[];
}

/** Lambda's `OperationUpdate`, as a checkpoint carries it. */
export interface OperationUpdate {
  Id: string;
  ParentId?: string;
  Name?: string;
  Type: OperationType;
  SubType?: string;
  Action: OperationAction;
  Payload?: string;
  Error?: ErrorObject;
  ContextOptions?: { ReplayChildren?: boolean };
  StepOptions?: { NextAttemptDelaySeconds?: number };
  WaitOptions?: { WaitSeconds?: number };
  CallbackOptions?: {
    TimeoutSeconds?: number;
    HeartbeatTimeoutSeconds?: number;
  };
  ChainedInvokeOptions?: { FunctionName?: string; TenantId?: string };
}

/** An operation as the engine stores it; timestamps in epoch milliseconds. */
export interface Operation {
  Id: string;
  ParentId?: string;
  Name?: string;
  Type: OperationType;
  SubType?: string;
  Status: OperationStatus;
  StartTimestamp: number;
  EndTimestamp?: number;
  ExecutionDetails?: { InputPayload?: string };
  ContextDetails?: {
    ReplayChildren?: boolean;
    Result?: string;
    Error?: ErrorObject;
  };
  StepDetails?: {
    Attempt?: number;
    NextAttemptTimestamp?: number;
    Result?: string;
    Error?: ErrorObject;
  };
  WaitDetails?: { ScheduledEndTimestamp?: number };
  CallbackDetails?: {
    CallbackId?: string;
    Result?: string;
    Error?: ErrorObject;
  };
  ChainedInvokeDetails?: { Result?: string; Error?: ErrorObject };
}

/** A history event as the engine stores it: its type, operation and details; the timestamp in epoch ms. */
export interface HistoryEvent {
  EventType: string;
  EventId: number;
  Id: string;
  Name?: string;
  ParentId?: string;
  SubType?: string;
  EventTimestamp: number;
  /** The `…Details` member, named for the event type. */
  details?: Record<string, unknown>;
}

/** `DurableConfig` of a function. */
export interface DurableConfig {
  /** Seconds an execution may run, 1 to 31622400. */
  ExecutionTimeout: number;
  /** Days a closed execution is kept, 1 to 90. */
  RetentionPeriodInDays: number;
}

/** What a durable handler answers each invocation. */
export interface InvocationOutput {
  Status: "SUCCEEDED" | "FAILED" | "PENDING";
  Result?: string;
  Error?: ErrorObject;
}
