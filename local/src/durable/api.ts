// The durable API's operations as control-plane routes: each reads Lambda's request shape, asks the
// engine, and answers Lambda's JSON (timestamps as epoch seconds, as the AWS SDK reads them).
import { type Call, path, type Route } from "../_control_plane/router.ts";
import {
  jsonResponse,
  parseFunctionName,
  readJson,
} from "../_control_plane/wire.ts";
import { invalid, tooLarge } from "./errors.ts";
import { notFound } from "../_control_plane/errors.ts";
import type { DurableEngine } from "./engine.ts";
import type { ExecutionRecord } from "./record.ts";
import type { ErrorObject, OperationUpdate } from "./types.ts";
import { wireEvent, wireTimes } from "./wire.ts";

/** Lambda's limit on a callback's result: 256 KB. */
export const CALLBACK_RESULT_LIMIT = 262144;
/** The largest checkpoint request read (the SDK batches up to 750 KB; an execution's result may be 6 MB). */
export const CHECKPOINT_REQUEST_LIMIT = 7 * 1024 * 1024;

const EXECUTION = "/2025-12-01/durable-executions/:arn";
const CALLBACK = "/2025-12-01/durable-execution-callbacks/:id";

/** The engine a call reaches, or Lambda's 404 for a plane without one. */
export type EngineOf = (call: Call) => DurableEngine;

/** The two operations a durable function itself calls: CheckpointDurableExecution, GetDurableExecutionState. */
export function functionRoutes(engine: EngineOf): Route[] {
  return [
    {
      method: "POST",
      pattern: path(`${EXECUTION}/checkpoint`),
      handler: (call) => checkpoint(engine(call), call),
    },
    {
      method: "GET",
      pattern: path(`${EXECUTION}/state`),
      handler: (call) => Promise.resolve(state(engine(call), call)),
    },
  ];
}

/** Every durable operation: the function's two, and those a user or tool calls. */
export function durableRoutes(engine: EngineOf): Route[] {
  const sync =
    (f: (e: DurableEngine, call: Call) => Response) => (call: Call) =>
      Promise.resolve(f(engine(call), call));
  const async_ =
    (f: (e: DurableEngine, call: Call) => Promise<Response>) => (call: Call) =>
      f(engine(call), call);
  return [
    ...functionRoutes(engine),
    {
      method: "GET",
      pattern: path(`${EXECUTION}/history`),
      handler: sync(history),
    },
    {
      method: "POST",
      pattern: path(`${EXECUTION}/stop`),
      handler: async_(stop),
    },
    { method: "GET", pattern: path(EXECUTION), handler: sync(getExecution) },
    {
      method: "GET",
      pattern: path("/2025-12-01/functions/:fn/durable-executions"),
      handler: sync(listByFunction),
    },
    {
      method: "POST",
      pattern: path(`${CALLBACK}/succeed`),
      handler: async_(callbackSuccess),
    },
    {
      method: "POST",
      pattern: path(`${CALLBACK}/fail`),
      handler: async_(callbackFailure),
    },
    {
      method: "POST",
      pattern: path(`${CALLBACK}/heartbeat`),
      handler: async_(callbackHeartbeat),
    },
  ];
}

function _arn(call: Call): string {
  return decodeURIComponent(call.params.arn!);
}

async function checkpoint(engine: DurableEngine, call: Call) {
  const body = await readJson(call.request, {
    bytes: CHECKPOINT_REQUEST_LIMIT,
    error: () =>
      tooLarge(
        "Checkpoint request",
        CHECKPOINT_REQUEST_LIMIT + 1,
        CHECKPOINT_REQUEST_LIMIT,
      ),
  });
  const updates = body.Updates ?? [];
  if (!Array.isArray(updates)) throw invalid("Updates must be a list");
  const result = engine.checkpoint(
    _arn(call),
    body.CheckpointToken,
    updates as OperationUpdate[],
    typeof body.ClientToken === "string" ? body.ClientToken : undefined,
  );
  return jsonResponse(wireTimes({
    CheckpointToken: result.token,
    NewExecutionState: { Operations: result.operations },
  }, "seconds"));
}

function state(engine: DurableEngine, call: Call) {
  const query = call.url.searchParams;
  const found = engine.state(
    _arn(call),
    query.get("CheckpointToken"),
    query.get("Marker") ?? undefined,
    _maxItems(query, 1000),
  );
  return jsonResponse(wireTimes(found, "seconds"));
}

function _maxItems(query: URLSearchParams, fallback: number): number {
  const raw = query.get("MaxItems");
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw invalid("MaxItems must be a whole number from 1 to 1000");
  }
  return n;
}

/** GetDurableExecution's answer for a record. */
export function executionView(record: ExecutionRecord, includeData = true) {
  const state = record.state;
  return wireTimes({
    DurableExecutionArn: record.arn,
    DurableExecutionName: record.name,
    FunctionArn: `${record.functionArn}:${record.version}`,
    Status: state.status,
    StartTimestamp: record.startTimestamp,
    EndTimestamp: state.status === "RUNNING" ? undefined : state.end,
    InputPayload: includeData ? record.input : undefined,
    Result: includeData && state.status === "SUCCEEDED"
      ? state.result
      : undefined,
    Error: includeData && "error" in state ? state.error : undefined,
    Version: record.version,
    ExecutionDataIncluded: includeData,
    DurableConfig: record.config,
  }, "seconds");
}

function getExecution(engine: DurableEngine, call: Call) {
  const include = call.url.searchParams.get("IncludeExecutionData") !== "false";
  return jsonResponse(executionView(engine.find(_arn(call)), include));
}

function history(engine: DurableEngine, call: Call) {
  const query = call.url.searchParams;
  const record = engine.find(_arn(call));
  const include = query.get("IncludeExecutionData") === "true";
  const events = query.get("ReverseOrder") === "true"
    ? [...record.events].reverse()
    : record.events;
  const { items, next } = _slice(events, query, 100);
  return jsonResponse({
    Events: items.map((event) => wireEvent(event, include)),
    NextMarker: next,
  });
}

function _slice<T>(
  all: readonly T[],
  query: URLSearchParams,
  fallback: number,
) {
  const from = Number(query.get("Marker") ?? "0");
  if (!Number.isInteger(from) || from < 0) throw invalid("Invalid Marker");
  const end = Math.min(all.length, from + _maxItems(query, fallback));
  return {
    items: all.slice(from, end),
    next: end < all.length ? String(end) : undefined,
  };
}

async function stop(engine: DurableEngine, call: Call) {
  const body = await readJson(call.request);
  const error = Object.keys(body).length === 0
    ? undefined
    : body as ErrorObject;
  const record = engine.stop(_arn(call), error);
  const end = record.state.status === "RUNNING" ? Date.now() : record.state.end;
  return jsonResponse({ StopTimestamp: end / 1000 });
}

function listByFunction(engine: DurableEngine, call: Call) {
  const query = call.url.searchParams;
  const { name } = parseFunctionName(call.params.fn!, new URLSearchParams());
  if (!call.store.functions.has(name) && engine.byFunction(name).length === 0) {
    throw notFound(call.store.arn(name));
  }
  const statuses = query.getAll("Statuses");
  const named = query.get("DurableExecutionName");
  const after = query.get("StartedAfter");
  const before = query.get("StartedBefore");
  let records = engine.byFunction(name).filter((r) =>
    (statuses.length === 0 || statuses.includes(r.state.status)) &&
    (named === null || r.name === named) &&
    (after === null || r.startTimestamp >= Date.parse(after)) &&
    (before === null || r.startTimestamp <= Date.parse(before))
  );
  if (query.get("ReverseOrder") === "true") records = records.reverse();
  const { items, next } = _slice(records, query, 100);
  return jsonResponse({
    DurableExecutions: items.map((r) =>
      wireTimes({
        DurableExecutionArn: r.arn,
        DurableExecutionName: r.name,
        FunctionArn: `${r.functionArn}:${r.version}`,
        Status: r.state.status,
        StartTimestamp: r.startTimestamp,
        EndTimestamp: r.state.status === "RUNNING" ? undefined : r.state.end,
      }, "seconds")
    ),
    NextMarker: next,
  });
}

async function callbackSuccess(engine: DurableEngine, call: Call) {
  const bytes = new Uint8Array(await call.request.arrayBuffer());
  if (bytes.byteLength > CALLBACK_RESULT_LIMIT) {
    throw tooLarge("Callback result", bytes.byteLength, CALLBACK_RESULT_LIMIT);
  }
  engine.completeCallback(decodeURIComponent(call.params.id!), {
    result: new TextDecoder().decode(bytes),
  });
  return jsonResponse({});
}

async function callbackFailure(engine: DurableEngine, call: Call) {
  const body = await readJson(call.request, {
    bytes: CALLBACK_RESULT_LIMIT,
    error: () =>
      tooLarge(
        "Callback error",
        CALLBACK_RESULT_LIMIT + 1,
        CALLBACK_RESULT_LIMIT,
      ),
  });
  engine.completeCallback(decodeURIComponent(call.params.id!), {
    error: Object.keys(body).length === 0 ? undefined : body as ErrorObject,
  });
  return jsonResponse({});
}

async function callbackHeartbeat(engine: DurableEngine, call: Call) {
  await call.request.body?.cancel();
  engine.heartbeat(decodeURIComponent(call.params.id!));
  return jsonResponse({});
}
