// The durable engine: executions started by invocations, checkpointed by their handler, re-invoked when
// what they wait on happens, and closed by their answer, a timeout or StopDurableExecution.
import { applyUpdates } from "./checkpoint.ts";
import { newCallbackId, readCallbackId } from "./callbacks.ts";
import { describeSeconds, type DurableClock } from "./clock.ts";
import {
  CallbackTimeoutException,
  DurableExecutionAlreadyStartedException,
  executionNotFound,
  invalid,
  unknownCallback,
} from "./errors.ts";
import { type ExecutionEvent, transition } from "./execution_state.ts";
import { addEvent, errorDetail, resultDetail } from "./history.ts";
import { page } from "./pages.ts";
import {
  type ExecutionRecord,
  type NewExecution,
  newRecord,
} from "./record.ts";
import {
  chainedName,
  completeOperation,
  failedInvoke,
  type Outcome,
} from "./outcomes.ts";
import type { DurableStore } from "./sqlite_store.ts";
import { deadlines, type Due, fireDeadline } from "./timers.ts";
import { assertToken, issueToken } from "./tokens.ts";
import type { ErrorObject, Operation, OperationUpdate } from "./types.ts";
import { runInvocations } from "./_invocations.ts";

/** A function's answer to one invocation. */
export interface InvocationAnswer {
  /** `X-Amz-Function-Error`, when the function failed rather than answered. */
  readonly functionError?: string;
  readonly body: string;
}

/** What the engine asks of the Lambda around it. */
export interface DurableHost {
  /** Invokes the version an execution runs with `payload`; throws when the function is not there (yet). */
  invoke(record: ExecutionRecord, payload: string): Promise<InvocationAnswer>;
  /** A chained invoke: runs `functionName` with `payload` to its end (`name` makes it idempotent). */
  chainedInvoke(
    functionName: string,
    payload: string | undefined,
    name: string,
  ): Promise<{ result?: string; error?: ErrorObject }>;
}

/** What starts an execution. */
export interface StartRequest extends NewExecution {
  readonly name: string | undefined;
}

/** The engine's parts. */
export interface DurableEngineOptions {
  readonly store: DurableStore;
  readonly clock: DurableClock;
  readonly log: (line: string) => void;
}

const _CLOSED_EVENT = {
  SUCCEEDED: "Succeeded",
  FAILED: "Failed",
  TIMED_OUT: "TimedOut",
  STOPPED: "Stopped",
} as const;

/** The durable engine of one local Lambda. */
export class DurableEngine {
  readonly #options: DurableEngineOptions;
  readonly #records = new Map<string, ExecutionRecord>();
  readonly #timers = new Map<string, Map<string, () => void>>();
  readonly #closed = new Map<string, PromiseWithResolvers<void>>();
  readonly #repeats = new Map<
    string,
    {
      clientToken: string;
      token: string;
      answer: { token: string; operations: Operation[] };
    }
  >();
  readonly #drive: (record: ExecutionRecord) => void;
  #host: DurableHost | undefined;

  /** Opens the engine on its store; running executions resume once a host is attached. */
  constructor(options: DurableEngineOptions) {
    this.#options = options;
    const now = options.clock.now();
    for (const record of options.store.loadAll()) {
      // A closed execution is kept for its RetentionPeriodInDays, as on Lambda.
      const state = record.state;
      const keep = record.config.RetentionPeriodInDays * 86400_000;
      if (state.status !== "RUNNING" && state.end + keep < now) {
        options.store.remove(record.arn);
      } else this.#records.set(record.arn, record);
    }
    this.#drive = runInvocations({
      host: () => this.#host,
      clock: options.clock,
      log: options.log,
      save: (record, ops, from) => this.#save(record, ops, from),
      close: (record, event) => this.close(record, event),
      initialState: (record) => page(record, undefined, 1000),
    });
  }

  /** The clock. */
  get clock(): DurableClock {
    return this.#options.clock;
  }

  /** Attaches the Lambda that runs functions, and resumes every running execution. */
  attach(host: DurableHost): void {
    this.#host = host;
    for (const record of this.#records.values()) {
      if (record.state.status !== "RUNNING") continue;
      this.#arm(record);
      this.#drive(record);
    }
  }

  /** A function became available again (created anew after a restart): its running executions resume. */
  functionAvailable(functionName: string): void {
    for (const record of this.#records.values()) {
      if (
        record.functionName === functionName &&
        record.state.status === "RUNNING"
      ) this.#drive(record);
    }
  }

  /** Starts an execution, or finds the one of the same name (same input); a name reused with another input is refused. */
  start(request: StartRequest): ExecutionRecord {
    const name = request.name ?? crypto.randomUUID();
    const arn =
      `${request.functionArn}:${request.version}/durable-execution/${name}/${crypto.randomUUID()}`;
    const known = request.name === undefined ? undefined : [
      ...this.#records.values(),
    ].find((r) => r.functionArn === request.functionArn && r.name === name);
    if (known !== undefined) {
      if (known.input !== request.input) {
        throw new DurableExecutionAlreadyStartedException(
          `Durable execution with name ${name} already exists with a different input`,
        );
      }
      return known;
    }
    const record = newRecord(arn, name, request, this.clock.now());
    this.#records.set(arn, record);
    this.#save(record, record.operations.keys(), 0);
    this.#arm(record);
    this.#drive(record);
    return record;
  }

  /** The execution `arn` names; ResourceNotFoundException when there is none. */
  find(arn: string): ExecutionRecord {
    const record = this.#records.get(arn);
    if (record === undefined) throw executionNotFound(arn);
    return record;
  }

  /** Every execution of a function. */
  byFunction(functionName: string): ExecutionRecord[] {
    return [...this.#records.values()].filter((r) =>
      r.functionName === functionName
    );
  }

  /** Resolves once the execution is closed. */
  async closed(record: ExecutionRecord): Promise<void> {
    if (record.state.status !== "RUNNING") return;
    let waiter = this.#closed.get(record.arn);
    if (waiter === undefined) {
      waiter = Promise.withResolvers<void>();
      this.#closed.set(record.arn, waiter);
    }
    await waiter.promise;
  }

  /** CheckpointDurableExecution: the token consumed, the updates applied; the new token and what changed. */
  checkpoint(
    arn: string,
    token: unknown,
    updates: readonly OperationUpdate[],
    clientToken?: string,
  ): { token: string; operations: Operation[] } {
    const record = this.find(arn);
    const repeated = this.#repeats.get(arn);
    if (
      clientToken !== undefined && repeated?.clientToken === clientToken &&
      repeated.token === token
    ) return repeated.answer;
    assertToken(record, token);
    const now = this.clock.now();
    const from = record.events.length;
    const applied = applyUpdates(record, updates, {
      now,
      callbackId: (op) => newCallbackId(arn, op),
    });
    const changed = new Set([...applied.changed, ...record.updated]);
    record.updated.clear();
    const next = issueToken(record);
    this.#save(record, changed, from);
    if (applied.close !== undefined) {
      const close = applied.close;
      this.close(
        record,
        close.kind === "succeed"
          ? { kind: "succeed", result: close.result }
          : { kind: "fail", error: close.error },
      );
    }
    this.#arm(record);
    for (const update of applied.invokes) this.#chain(record, update);
    const answer = {
      token: next,
      operations: [...changed].map((id) => record.operations.get(id)!)
        .filter((op) => op !== undefined),
    };
    // A retried request with the same ClientToken gets the same answer, its token already consumed.
    if (clientToken !== undefined) {
      this.#repeats.set(arn, { clientToken, token: token as string, answer });
    }
    return answer;
  }

  /** GetDurableExecutionState: a page of operations; the token must be current. */
  state(
    arn: string,
    token: unknown,
    marker: string | undefined,
    maxItems: number,
  ) {
    const record = this.find(arn);
    assertToken(record, token);
    return page(record, marker, maxItems);
  }

  /** StopDurableExecution. */
  stop(arn: string, error: ErrorObject | undefined): ExecutionRecord {
    const record = this.find(arn);
    if (record.state.status !== "RUNNING") {
      throw invalid(
        `Durable execution ${arn} is not running (${record.state.status})`,
      );
    }
    this.close(record, { kind: "stop", error });
    return record;
  }

  /** SendDurableExecutionCallbackSuccess / Failure: completes the callback and wakes its execution. */
  completeCallback(callbackId: string, outcome: Outcome): void {
    const { record, op } = this.#callback(callbackId);
    const from = record.events.length;
    completeOperation(record, op, outcome, this.clock.now());
    this.#save(record, [op.Id], from);
    this.#arm(record);
    this.#drive(record);
  }

  /** SendDurableExecutionCallbackHeartbeat: the heartbeat timeout starts again. */
  heartbeat(callbackId: string): void {
    const { record } = this.#callback(callbackId);
    const timers = record.callbacks.get(callbackId)!;
    if (timers.heartbeatSeconds !== undefined) {
      timers.heartbeatAt = this.clock.now() + timers.heartbeatSeconds * 1000;
      this.#save(record, [], record.events.length);
      this.#arm(record);
    }
  }

  #callback(callbackId: string): { record: ExecutionRecord; op: Operation } {
    const { arn, operationId } = readCallbackId(callbackId);
    const record = this.#records.get(arn);
    const op = record?.operations.get(operationId);
    if (
      record === undefined || op === undefined ||
      op.CallbackDetails?.CallbackId !== callbackId
    ) throw unknownCallback();
    if (op.Status === "TIMED_OUT") {
      throw new CallbackTimeoutException("The callback has timed out");
    }
    if (op.Status !== "STARTED" || record.state.status !== "RUNNING") {
      throw invalid(`The callback is already completed (${op.Status})`);
    }
    return { record, op };
  }

  /** Closes a running execution (the one place its state changes) and records why. */
  close(record: ExecutionRecord, event: ExecutionEvent): void {
    if (record.state.status !== "RUNNING") return;
    const now = this.clock.now();
    const from = record.events.length;
    record.state = transition(record.state, event, now);
    record.token = undefined;
    const op = record.operations.get(record.executionOperationId)!;
    const state = record.state;
    if (state.status === "RUNNING") return;
    const name = _CLOSED_EVENT[state.status];
    Object.assign(op, { Status: state.status, EndTimestamp: now });
    addEvent(
      record,
      now,
      `Execution${name}`,
      { Id: op.Id, Name: record.name },
      state.status === "SUCCEEDED"
        ? resultDetail(state.result)
        : errorDetail(state.error),
    );
    this.#save(record, [op.Id], from);
    this.#disarm(record.arn);
    this.#options.log(
      `Durable execution ${record.name} of ${record.functionName}: ${state.status}`,
    );
    this.#closed.get(record.arn)?.resolve();
    this.#closed.delete(record.arn);
  }

  #save(record: ExecutionRecord, ops: Iterable<string>, fromEvent: number) {
    this.#options.store.save(record, ops, fromEvent);
  }

  /** Arms a timer for each deadline not armed yet, and drops those that no longer apply. */
  #arm(record: ExecutionRecord): void {
    const armed = this.#timers.get(record.arn) ?? new Map();
    this.#timers.set(record.arn, armed);
    const due = deadlines(record);
    const keys = new Set(due.map((d) => d.key));
    for (const [key, cancel] of armed) {
      if (!keys.has(key)) {
        cancel();
        armed.delete(key);
      }
    }
    for (const item of due) {
      if (armed.has(item.key)) continue;
      const left = item.at - this.clock.now();
      const durable = item.kind === "wait" || item.kind === "retry";
      const ms = durable ? this.clock.delay(left) : Math.max(0, left);
      if (durable && ms < left && left >= 1000) {
        const what = item.kind === "wait" ? "wait" : "retry delay";
        this.#options.log(
          `Durable execution ${record.name}: ${what} of ${
            describeSeconds(Math.round(left / 1000))
          } skipped (--durable-time ${this.clock.mode})`,
        );
      }
      armed.set(
        item.key,
        this.clock.schedule(ms, () => this.#fire(record, item)),
      );
    }
  }

  #disarm(arn: string): void {
    for (const cancel of this.#timers.get(arn)?.values() ?? []) cancel();
    this.#timers.delete(arn);
  }

  #fire(record: ExecutionRecord, due: Due): void {
    this.#timers.get(record.arn)?.delete(due.key);
    if (record.state.status !== "RUNNING") return;
    if (due.kind === "execution") {
      this.close(record, { kind: "time-out" });
      return;
    }
    const from = record.events.length;
    const op = due.kind === "wait" || due.kind === "retry"
      ? due.id
      : record.callbacks.get(due.id)?.operationId;
    if (!fireDeadline(record, due, this.clock.now())) return;
    this.#save(record, op === undefined ? [] : [op], from);
    this.#arm(record);
    this.#drive(record);
  }

  /** A chained invoke: the other function runs to its end, then this execution carries on. */
  #chain(record: ExecutionRecord, update: OperationUpdate): void {
    const host = this.#host;
    const target = update.ChainedInvokeOptions?.FunctionName ?? "";
    const answer: Promise<Outcome> = host === undefined
      ? Promise.resolve(failedInvoke("No Lambda to invoke"))
      : host.chainedInvoke(
        target,
        update.Payload,
        chainedName(record, update.Id),
      )
        .then(
          (outcome) =>
            outcome.error === undefined
              ? { result: outcome.result }
              : { error: outcome.error },
          failedInvoke,
        );
    answer.then((outcome) => {
      const op = record.operations.get(update.Id);
      if (op?.Status !== "STARTED" || record.state.status !== "RUNNING") return;
      const from = record.events.length;
      completeOperation(record, op, outcome, this.clock.now());
      this.#save(record, [op.Id], from);
      this.#drive(record);
    });
  }

  /** Stops every timer and closes the store (running executions stay RUNNING on disk). */
  dispose(): void {
    for (const arn of [...this.#timers.keys()]) this.#disarm(arn);
    // A caller waiting on an execution gets its answer now: the emulator is going away.
    for (const waiter of this.#closed.values()) waiter.resolve();
    this.#closed.clear();
    this.#options.store.close();
  }
}
