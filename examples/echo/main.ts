/**
 * The classic echo function: answers `ECHO: <event>` with the request id.
 * An empty event (`""`, `null` or `{}`) is an error.
 *
 * Run it locally: `deno task emulator examples/echo/main.ts`, then
 * `curl -d '"hi"' http://127.0.0.1:9000/2015-03-31/functions/function/invocations`.
 *
 * @module
 */

import { run } from "../../mod.ts";

/** The echo handler's result. */
export interface Echo {
  /** `ECHO: ` followed by the event, as JSON unless it is a string. */
  message: string;
  /** The invocation's request id. */
  requestId: string;
}

/** Thrown for an empty event. */
export class EmptyEventError extends Error {
  /** Creates the error. */
  constructor() {
    super("The event is empty: send something to echo");
    this.name = "EmptyEventError";
  }
}

if (import.meta.main) {
  run((event: unknown, context): Echo => {
    if (
      event === null || event === "" ||
      (typeof event === "object" && Object.keys(event).length === 0)
    ) {
      throw new EmptyEventError();
    }
    const text = typeof event === "string" ? event : JSON.stringify(event);
    return { message: `ECHO: ${text}`, requestId: context.awsRequestId };
  });
}
