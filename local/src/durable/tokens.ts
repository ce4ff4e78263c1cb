// Checkpoint tokens: one current token per execution, each consumed by the checkpoint that carries it.
import { invalidToken } from "./errors.ts";
import type { ExecutionRecord } from "./record.ts";

/** Issues the execution's next token; every earlier one is stale from now on. */
export function issueToken(record: ExecutionRecord): string {
  record.tokenSerial += 1;
  const token = btoa(JSON.stringify({
    arn: record.arn,
    n: record.tokenSerial,
    r: crypto.randomUUID(),
  }));
  record.token = token;
  return token;
}

/** Refuses `token` unless it is the execution's current one (Lambda's InvalidParameterValueException). */
export function assertToken(record: ExecutionRecord, token: unknown): void {
  if (
    typeof token !== "string" || record.token === undefined ||
    token !== record.token || record.state.status !== "RUNNING"
  ) throw invalidToken();
}
