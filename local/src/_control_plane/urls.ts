// Function URL configs: Create, Get, Update and Delete, for the function or one of its aliases.
import {
  ResourceConflictException,
  ResourceNotFoundException,
} from "./errors.ts";
import type { Call } from "./router.ts";
import type { FunctionRecord, UrlRecord } from "./store.ts";
import {
  jsonResponse,
  noContent,
  readJson,
  stringOf,
  timestamp,
} from "./wire.ts";

/** CreateFunctionUrlConfig. */
export async function createUrlConfig(call: Call) {
  const { fn, which } = _target(call);
  if (fn.urls.has(which)) {
    throw new ResourceConflictException(
      "Failed to create function url config for [functionArn = " +
        `${fn.arn}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
    );
  }
  const body = await readJson(call.request);
  const now = timestamp(new Date(call.store.settings.now()));
  const config: UrlRecord = {
    FunctionUrl: call.store.settings.functionUrl(
      which ? `${fn.name}:${which}` : fn.name,
    ),
    FunctionArn: which ? `${fn.arn}:${which}` : fn.arn,
    AuthType: stringOf(body.AuthType) ?? "NONE",
    Cors: body.Cors ?? {},
    CreationTime: now,
    LastModifiedTime: now,
    InvokeMode: stringOf(body.InvokeMode) ?? "BUFFERED",
  };
  fn.urls.set(which, config);
  const { LastModifiedTime: _, ...created } = config;
  return jsonResponse(created, 201);
}

/** GetFunctionUrlConfig. */
export function getUrlConfig(call: Call) {
  const { existing } = _existing(call);
  return Promise.resolve(jsonResponse(existing));
}

/** UpdateFunctionUrlConfig: the new AuthType holds from the next request. */
export async function updateUrlConfig(call: Call) {
  const { fn, which, existing } = _existing(call);
  const body = await readJson(call.request);
  const updated: UrlRecord = {
    ...existing,
    ...(body.AuthType === undefined ? {} : { AuthType: String(body.AuthType) }),
    ...(body.Cors === undefined ? {} : { Cors: body.Cors }),
    ...(body.InvokeMode === undefined
      ? {}
      : { InvokeMode: String(body.InvokeMode) }),
    LastModifiedTime: timestamp(new Date(call.store.settings.now())),
  };
  fn.urls.set(which, updated);
  return jsonResponse(updated);
}

/** DeleteFunctionUrlConfig. */
export function deleteUrlConfig(call: Call) {
  const { fn, which } = _existing(call);
  fn.urls.delete(which);
  return Promise.resolve(noContent());
}

function _existing(call: Call) {
  const { fn, which } = _target(call);
  const existing = fn.urls.get(which);
  if (existing === undefined) {
    throw new ResourceNotFoundException(
      "The resource you requested does not exist.",
    );
  }
  return { fn, which, existing };
}

/** The function and the key of its URL config: `""` unqualified, else an alias of the function. */
function _target({ params, url, store }: Call) {
  const { fn, qualifier } = store.find(params.fn!, url.searchParams);
  return { fn, which: _which(fn, qualifier) };
}

function _which(fn: FunctionRecord, qualifier: string | undefined): string {
  if (qualifier === undefined || qualifier === "$LATEST") return "";
  if (!fn.aliases.has(qualifier)) {
    throw new ResourceNotFoundException(
      /^\d+$/.test(qualifier)
        ? `A function URL's Qualifier is an alias, not a version number: create an alias for version ${qualifier} and give it the URL`
        : `Alias not found: ${fn.arn}:${qualifier}`,
    );
  }
  return qualifier;
}
