// The re-invoke loop: one invocation of an execution at a time; a PENDING answer waits for a timer, a
// callback or a chained invoke, which drive the loop again; SUCCEEDED and FAILED close the execution.
import type { DurableClock } from "./clock.ts";
import type { ExecutionEvent } from "./execution_state.ts";
import type { DurableHost, InvocationAnswer } from "./engine.ts";
import { addEvent, errorDetail } from "./history.ts";
import type { ExecutionRecord } from "./record.ts";
import { issueToken } from "./tokens.ts";
import type { ErrorObject, InvocationOutput, Operation } from "./types.ts";
import { wireTimes } from "./wire.ts";

/** Invocations in a row that fail without an answer before the execution fails, as Lambda's retries give up. */
export const INVOCATION_ATTEMPTS = 3;

/** What the loop needs of the engine. */
export interface LoopDeps {
  host(): DurableHost | undefined;
  readonly clock: DurableClock;
  log(line: string): void;
  save(record: ExecutionRecord, ops: Iterable<string>, fromEvent: number): void;
  close(record: ExecutionRecord, event: ExecutionEvent): void;
  initialState(
    record: ExecutionRecord,
  ): { Operations: Operation[]; NextMarker?: string };
}

/** The `drive` function: invokes the execution now, or once more after the invocation in flight. */
export function runInvocations(
  deps: LoopDeps,
): (record: ExecutionRecord) => void {
  const busy = new Set<string>();
  const again = new Set<string>();
  return function drive(record) {
    if (busy.has(record.arn)) {
      again.add(record.arn);
      return;
    }
    const host = deps.host();
    if (host === undefined || record.state.status !== "RUNNING") return;
    busy.add(record.arn);
    (async () => {
      do {
        again.delete(record.arn);
        if (record.state.status !== "RUNNING") break;
        const more = await _once(deps, host, record);
        if (more) again.add(record.arn);
      } while (again.has(record.arn));
    })().catch((error) => deps.log(`Durable engine: ${error?.stack ?? error}`))
      .finally(() => busy.delete(record.arn));
  };
}

/** One invocation; whether the loop should invoke again at once. */
async function _once(
  deps: LoopDeps,
  host: DurableHost,
  record: ExecutionRecord,
): Promise<boolean> {
  const token = issueToken(record);
  const updated = [...record.updated];
  record.updated.clear();
  const payload = JSON.stringify(wireTimes({
    DurableExecutionArn: record.arn,
    CheckpointToken: token,
    InitialExecutionState: deps.initialState(record),
    UpdatedOperationIds: updated,
  }, "iso"));
  deps.save(record, [], record.events.length);
  const started = deps.clock.now();
  let answer: InvocationAnswer;
  try {
    answer = await host.invoke(record, payload);
  } catch (error) {
    // The function is not there (a restart before it was created again): functionAvailable resumes it.
    deps.log(
      `Durable execution ${record.name} waits for ${record.functionName}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    record.token = undefined;
    return false;
  }
  if (record.token === token) record.token = undefined;
  return _answered(deps, record, answer, started);
}

function _answered(
  deps: LoopDeps,
  record: ExecutionRecord,
  answer: InvocationAnswer,
  started: number,
): boolean {
  const output = _output(answer);
  const failed = "error" in output;
  const from = record.events.length;
  addEvent(record, deps.clock.now(), "InvocationCompleted", {
    Id: record.executionOperationId,
  }, {
    StartTimestamp: started,
    EndTimestamp: deps.clock.now(),
    RequestId: crypto.randomUUID(),
    ...(failed ? errorDetail(output.error) : {}),
  });
  if (record.state.status !== "RUNNING") {
    deps.save(record, [], from);
    return false;
  }
  if (failed) {
    record.failedInvocations += 1;
    deps.save(record, [], from);
    if (record.failedInvocations < INVOCATION_ATTEMPTS) return true;
    deps.close(record, { kind: "fail", error: output.error });
    return false;
  }
  record.failedInvocations = 0;
  deps.save(record, [], from);
  const out = output.output;
  if (out.Status === "SUCCEEDED") {
    deps.close(record, { kind: "succeed", result: out.Result || undefined });
  } else if (out.Status === "FAILED") {
    deps.close(record, { kind: "fail", error: out.Error });
  }
  // PENDING: what changed while it ran (a callback, a wait) wakes it at once.
  return out.Status === "PENDING" && record.updated.size > 0;
}

function _output(
  answer: InvocationAnswer,
): { output: InvocationOutput } | { error: ErrorObject } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    parsed = undefined;
  }
  if (answer.functionError !== undefined) {
    const body = parsed as
      | { errorType?: string; errorMessage?: string }
      | undefined;
    return {
      error: {
        ErrorType: body?.errorType ?? answer.functionError,
        ErrorMessage: body?.errorMessage ?? answer.body,
      },
    };
  }
  const status = (parsed as InvocationOutput | undefined)?.Status;
  if (status === "SUCCEEDED" || status === "FAILED" || status === "PENDING") {
    return { output: parsed as InvocationOutput };
  }
  return {
    error: {
      ErrorType: "Runtime.InvalidDurableResponse",
      ErrorMessage:
        "The function answered without a durable Status (SUCCEEDED, FAILED or PENDING): is the handler wrapped with withDurableExecution?",
    },
  };
}
