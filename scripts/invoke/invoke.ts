/**
 * One invocation of a running emulator (or control plane): the event out,
 * the result, the function error and the log tail back.
 *
 * @module
 */

/** What an invocation answered. */
export interface InvokeResult {
  /** The HTTP status. */
  status: number;
  /** The body, as text. */
  payload: string;
  /** `X-Amz-Function-Error`, when the function failed. */
  functionError?: string;
  /** The log tail (`X-Amz-Log-Result`, decoded), when the emulator sent one. */
  log?: string;
  /** `X-Amzn-RequestId`. */
  requestId?: string;
  /** `X-Amz-Durable-Execution-Arn`: the execution a durable function's invocation started (or found). */
  executionArn?: string;
}

/** An emulator that did not answer, or a function it does not know. */
export class InvokeError extends Error {
  /** Creates the error with what to do. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvokeError";
  }
}

/** Invokes `name` at `url` with `event` (bytes as given), asking for the log tail; `headers` added (a durable execution's name, the invocation type). */
export async function invoke(
  url: string,
  name: string,
  event: Uint8Array,
  headers: Record<string, string> = {},
): Promise<InvokeResult> {
  let response: Response;
  try {
    response = await fetch(
      `${url.replace(/\/$/, "")}/2015-03-31/functions/${
        encodeURIComponent(name)
      }/invocations`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-amz-log-type": "Tail",
          ...headers,
        },
        body: event as BodyInit,
      },
    );
  } catch (error) {
    throw new InvokeError(
      `Nothing answers at ${url}: start the emulator (deno task emulator main.ts) or pass --url`,
      { cause: error },
    );
  }
  const payload = await response.text();
  if (response.status === 404) {
    throw new InvokeError(
      `${url} has no function ${name}: ${payload} (pass --name)`,
    );
  }
  const log = response.headers.get("x-amz-log-result");
  return {
    status: response.status,
    payload,
    functionError: response.headers.get("x-amz-function-error") ?? undefined,
    log: log === null ? undefined : _decode(log),
    requestId: response.headers.get("x-amzn-requestid") ?? undefined,
    executionArn: response.headers.get("x-amz-durable-execution-arn") ??
      undefined,
  };
}

function _decode(base64: string): string {
  try {
    return new TextDecoder().decode(
      Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)),
    );
  } catch {
    return base64;
  }
}
