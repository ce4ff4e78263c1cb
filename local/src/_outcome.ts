// What an invocation ends with, as the invoke API hands it to the caller.

/** An invocation's result: a buffered response, a stream, or an error report. */
export type Outcome =
  | { kind: "response"; body: Uint8Array; contentType: string }
  | { kind: "stream"; body: ReadableStream<Uint8Array>; contentType: string }
  | ErrorOutcome;

/** An error report, with the type Lambda puts in REPORT and the body the caller gets. */
export interface ErrorOutcome {
  kind: "error";
  body: Uint8Array;
  errorType: string;
}

const _encoder = new TextEncoder();

/** An error outcome with Lambda's `{errorMessage, errorType}` body. */
export function errorOutcome(
  errorType: string,
  errorMessage: string,
): ErrorOutcome {
  return {
    kind: "error",
    errorType,
    body: _encoder.encode(JSON.stringify({ errorMessage, errorType })),
  };
}
