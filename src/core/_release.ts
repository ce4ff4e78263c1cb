// Step: once the handler's outcome is in, the event's text goes, so that a large one is not live while the result is serialised.
import type { Context } from "./context.ts";
import type { Invocation } from "./runtime_api.ts";

/** Empties `invocation.body` and `context.rawEvent` where they can be written (a frozen object keeps its own). */
export function releaseEvent(invocation: Invocation, context: Context): void {
  Reflect.set(invocation, "body", "");
  Reflect.set(context, "rawEvent", "");
}
