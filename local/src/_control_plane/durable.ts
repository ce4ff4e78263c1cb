// Durable functions in the control plane: an invocation starts (or finds) an execution, and the engine
// invokes the function's version through the same processes an Invoke reaches.
import type { DurableEngine, DurableHost } from "../durable/engine.ts";
import type { ExecutionRecord } from "../durable/record.ts";
import type { DurableConfig, ErrorObject } from "../durable/types.ts";
import {
  invalidParameter,
  notFound,
  RequestTooLargeException,
} from "./errors.ts";
import { through } from "./inflight.ts";
import type { Call } from "./router.ts";
import { target } from "./runners.ts";
import {
  type FunctionRecord,
  qualified,
  type Store,
  versionOf,
} from "./store.ts";

/** The header marking the engine's own invocations of a function, with the store's secret. */
export const ENGINE_INVOCATION_HEADER = "x-rtl-durable-invocation";

/** Whether `request` is the engine's own invocation: a plane passes it on to the function's emulator. */
export function isEngineInvocation(request: Request, store: Store): boolean {
  return request.headers.get(ENGINE_INVOCATION_HEADER) === store.secret;
}

/** The header naming an execution: the same name and input find the same execution. */
export const EXECUTION_NAME_HEADER = "x-amz-durable-execution-name";
/** Lambda's limit on a synchronous invocation's payload. */
export const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
/** Lambda's limit on an asynchronous invocation's payload. */
export const ASYNC_PAYLOAD_LIMIT = 1024 * 1024;

/** The DurableConfig of the version a qualifier names; undefined for a function that is not durable. */
export function durableConfigOf(
  fn: FunctionRecord,
  qualifier: string | undefined,
): DurableConfig | undefined {
  return qualified(fn, qualifier).configuration.DurableConfig as
    | DurableConfig
    | undefined;
}

/** Refuses durable parameters on a function that is not durable, as Lambda does. */
export function assertNotDurableCall(request: Request, fn: FunctionRecord) {
  if (request.headers.has(EXECUTION_NAME_HEADER)) {
    throw invalidParameter(
      `DurableExecutionName is only supported for durable functions: ${fn.arn} has no DurableConfig`,
    );
  }
}

/** Invoke of a durable function: Event answers 202 at once; RequestResponse once the execution closes. */
export async function invokeDurable(
  { request, store }: Call,
  fn: FunctionRecord,
  qualifier: string | undefined,
  config: DurableConfig,
): Promise<Response> {
  const engine = _engine(store);
  const type = request.headers.get("x-amz-invocation-type") ??
    "RequestResponse";
  const limit = type === "Event" ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > limit) {
    throw new RequestTooLargeException(
      `${bytes.byteLength} byte payload is too large for the ${type} invocation type (limit ${limit} bytes)`,
    );
  }
  const { version } = await target(store, fn, qualifier);
  const record = engine.start({
    functionName: fn.name,
    functionArn: fn.arn,
    version,
    qualifier,
    config,
    input: bytes.byteLength === 0 ? "{}" : new TextDecoder().decode(bytes),
    name: request.headers.get(EXECUTION_NAME_HEADER) ?? undefined,
  });
  const headers = {
    "x-amz-durable-execution-arn": record.arn,
    "x-amz-executed-version": version,
    "x-amzn-requestid": crypto.randomUUID(),
  };
  if (type === "Event") return new Response(null, { status: 202, headers });
  if (type === "DryRun") return new Response(null, { status: 204, headers });
  await engine.closed(record);
  return _answer(record, headers);
}

function _answer(record: ExecutionRecord, headers: Record<string, string>) {
  const state = record.state;
  if (state.status === "RUNNING") {
    return Response.json({ message: "The emulator is shutting down" }, {
      status: 503,
      headers,
    });
  }
  if (state.status === "SUCCEEDED") {
    return new Response(state.result ?? "null", { status: 200, headers });
  }
  const error: ErrorObject | undefined = "error" in state
    ? state.error
    : undefined;
  return Response.json({
    errorType: error?.ErrorType ?? `Execution${state.status}`,
    errorMessage: error?.ErrorMessage ??
      `The durable execution is ${state.status}`,
    ...(error?.StackTrace ? { stackTrace: error.StackTrace } : {}),
  }, {
    status: 200,
    headers: { ...headers, "x-amz-function-error": "Unhandled" },
  });
}

function _engine(store: Store): DurableEngine {
  const engine = store.settings.durable;
  if (engine === undefined) {
    throw invalidParameter("This Lambda has no durable engine");
  }
  return engine;
}

/** The engine of the plane a call reaches. */
export function engineOf(call: Call): DurableEngine {
  return _engine(call.store);
}

/** The engine's view of the plane: invoke a version, or another function for a chained invoke. */
export function planeHost(store: Store): DurableHost {
  return {
    async invoke(record, payload) {
      const fn = store.functions.get(record.functionName);
      if (fn === undefined) throw notFound(record.functionArn);
      const qualifier = record.version === "$LATEST"
        ? undefined
        : record.version;
      return await _invoke(store, fn, qualifier, payload, {
        [ENGINE_INVOCATION_HEADER]: store.secret,
      });
    },
    chainedInvoke: (functionName, payload, name) =>
      _chained(store, functionName, payload, name),
  };
}

async function _chained(
  store: Store,
  functionName: string,
  payload: string | undefined,
  name: string,
): Promise<{ result?: string; error?: ErrorObject }> {
  const { fn, qualifier } = store.find(
    encodeURIComponent(functionName),
    new URLSearchParams(),
  );
  const config = durableConfigOf(fn, qualifier);
  if (config !== undefined) {
    const engine = _engine(store);
    const record = engine.start({
      functionName: fn.name,
      functionArn: fn.arn,
      version: versionOf(fn, qualifier),
      qualifier,
      config,
      input: payload ?? "{}",
      name,
    });
    await engine.closed(record);
    const state = record.state;
    return state.status === "SUCCEEDED"
      ? { result: state.result }
      : { error: "error" in state ? state.error : undefined };
  }
  const { functionError, body } = await _invoke(
    store,
    fn,
    qualifier,
    payload ?? "{}",
  );
  if (functionError !== undefined) {
    const parsed = _json(body);
    return {
      error: {
        ErrorType: parsed?.errorType ?? "Unhandled",
        ErrorMessage: parsed?.errorMessage ?? body,
      },
    };
  }
  return { result: body };
}

/** Invokes a version of `fn` through its runner: its answer, and its function error (`Unhandled` for a failed request). */
async function _invoke(
  store: Store,
  fn: FunctionRecord,
  qualifier: string | undefined,
  payload: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ functionError?: string; body: string }> {
  const { runner } = await target(store, fn, qualifier);
  const path = `/2015-03-31/functions/${
    encodeURIComponent(fn.name)
  }/invocations`;
  const response = await through(
    runner,
    (to) =>
      fetch(`${to.url}${path}`, { method: "POST", body: payload, headers }),
  );
  const body = await response.text();
  const functionError = response.headers.get("x-amz-function-error") ??
    (response.status >= 400 ? "Unhandled" : undefined);
  return { functionError: functionError ?? undefined, body };
}

function _json(
  text: string,
): { errorType?: string; errorMessage?: string } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
