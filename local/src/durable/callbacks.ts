// Callback ids: each names its execution and operation, so a SendDurableExecutionCallback* finds both.
import { unknownCallback } from "./errors.ts";

/** A new callback id for `operationId` of the execution `arn` (base64, as Lambda's pattern wants). */
export function newCallbackId(arn: string, operationId: string): string {
  return btoa(
    JSON.stringify({ a: arn, o: operationId, t: crypto.randomUUID() }),
  );
}

/** The execution and operation a callback id names; Lambda's refusal when it is not one. */
export function readCallbackId(
  id: string,
): { arn: string; operationId: string } {
  try {
    const data = JSON.parse(atob(id));
    if (typeof data?.a === "string" && typeof data?.o === "string") {
      return { arn: data.a, operationId: data.o };
    }
  } catch {
    // Refused below.
  }
  throw unknownCallback();
}
