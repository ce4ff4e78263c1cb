// The operations on a function itself: Create, List, Get, GetConfiguration, UpdateCode,
// UpdateConfiguration and Delete.
import { REQUEST_LIMIT, requestTooLarge, UNZIPPED_LIMIT } from "../_s3_code.ts";
import { codeOf } from "./code.ts";
import { assertUnzippedTotal, resolveLayers } from "./layer_store.ts";
import { invalidParameter, ResourceConflictException } from "./errors.ts";
import { advance, assertIdle } from "./lifecycle.ts";
import { assertRevision } from "./revision.ts";
import type { Call } from "./router.ts";
import { launch, stop } from "./runners.ts";
import {
  configurationOf,
  type FunctionRecord,
  qualified,
  type Store,
} from "./store.ts";
import { DEFAULT_SETTINGS, settingsFrom } from "./validation.ts";
import { deleteVersion, publish } from "./versions.ts";
import {
  jsonResponse,
  noContent,
  readJson,
  sha256Base64,
  stringOf,
} from "./wire.ts";

/** CreateFunction: checked, stored Pending, and started in the background. */
export async function createFunction({ request, store }: Call) {
  const body = await readJson(request, {
    bytes: REQUEST_LIMIT,
    error: () => requestTooLarge("CreateFunction"),
  });
  const name = stringOf(body.FunctionName);
  if (name === undefined || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw invalidParameter(
      "FunctionName must be 1 to 64 letters, digits, hyphens or underscores",
    );
  }
  _assertNew(store, name);
  if (body.Role === undefined) body.Role = "";
  const settings = settingsFrom(body, DEFAULT_SETTINGS);
  const { zip, unzipped } = await codeOf(body.Code, store.settings.s3Endpoint);
  const layers = resolveLayers(
    store.layers,
    settings.layers,
    unzipped,
    UNZIPPED_LIMIT,
  );
  // Another CreateFunction may have won while the code was read from S3.
  _assertNew(store, name);
  const fn = functionRecord(
    store,
    name,
    settings,
    zip,
    await sha256Base64(zip),
  );
  Object.assign(fn, { unzipped, layers });
  store.functions.set(name, fn);
  launch(store, fn, zip);
  if (body.Publish === true) {
    await fn.work;
    publish(fn);
  }
  return jsonResponse(configurationOf(fn), 201);
}

function _assertNew(store: Store, name: string): void {
  if (store.functions.has(name)) {
    throw new ResourceConflictException(`Function already exist: ${name}`);
  }
}

/** A new function record of `zip`, being created, with no runner yet. */
export function functionRecord(
  store: Store,
  name: string,
  settings: FunctionRecord["settings"],
  zip: Uint8Array,
  codeSha256: string,
): FunctionRecord {
  return {
    name,
    arn: store.arn(name),
    settings,
    dir: undefined,
    codeSize: zip.byteLength,
    codeSha256,
    lastModified: new Date(store.settings.now()),
    revision: "",
    phase: { name: "creating" },
    work: undefined,
    runner: undefined,
    retiring: new Set(),
    versions: [],
    serial: 0,
    aliases: new Map(),
    urls: new Map(),
    policy: new Map(),
  };
}

/** ListFunctions: every function's $LATEST. */
export function listFunctions({ store }: Call) {
  const functions = [...store.functions.values()].map(configurationOf);
  return Promise.resolve(jsonResponse({ Functions: functions }));
}

/** GetFunction: the configuration a qualifier names, and where its code is. */
export function getFunction({ params, url, store }: Call) {
  const { fn, qualifier } = store.find(params.fn!, url.searchParams);
  const found = qualified(fn, qualifier);
  const dir = found.version?.deployed.dir ?? fn.dir ?? "";
  return Promise.resolve(jsonResponse({
    Configuration: found.configuration,
    Code: { RepositoryType: "S3", Location: `file://${dir}` },
    Tags: {},
  }));
}

/** GetFunctionConfiguration. */
export function getConfiguration({ params, url, store }: Call) {
  const { fn, qualifier } = store.find(params.fn!, url.searchParams);
  return Promise.resolve(jsonResponse(qualified(fn, qualifier).configuration));
}

/** DeleteFunction: the whole function, or with a Qualifier one version. */
export async function deleteFunction({ params, url, store }: Call) {
  const { fn, qualifier } = store.find(params.fn!, url.searchParams);
  if (qualifier !== undefined) {
    await deleteVersion(fn, qualifier);
    return noContent();
  }
  store.functions.delete(fn.name);
  await stop(fn);
  return noContent();
}

/** UpdateFunctionCode: new code, InProgress until $LATEST runs it. */
export async function updateCode({ request, params, url, store }: Call) {
  const { fn } = store.find(params.fn!, url.searchParams);
  assertIdle(fn.phase, fn.arn);
  const body = await readJson(request, {
    bytes: REQUEST_LIMIT,
    error: () => requestTooLarge("UpdateFunctionCode"),
  });
  assertRevision(body, fn.revision);
  const settings = body.Architectures === undefined
    ? fn.settings
    : settingsFrom({ Architectures: body.Architectures }, fn.settings);
  const { zip, unzipped } = await codeOf(body, store.settings.s3Endpoint);
  assertUnzippedTotal(unzipped, fn.layers ?? [], UNZIPPED_LIMIT);
  const codeSha256 = await sha256Base64(zip);
  fn.phase = advance(fn.phase, { kind: "update" }, fn.arn);
  Object.assign(fn, {
    settings,
    codeSize: zip.byteLength,
    codeSha256,
    unzipped,
  });
  launch(store, fn, zip);
  if (body.Publish === true) {
    await fn.work;
    return jsonResponse(publish(fn));
  }
  return jsonResponse(configurationOf(fn));
}

/** UpdateFunctionConfiguration: new settings, InProgress until $LATEST runs with them. */
export async function updateConfiguration(
  { request, params, url, store }: Call,
) {
  const { fn } = store.find(params.fn!, url.searchParams);
  assertIdle(fn.phase, fn.arn);
  const body = await readJson(request);
  assertRevision(body, fn.revision);
  const settings = settingsFrom(body, fn.settings);
  const layers = body.Layers === undefined ? fn.layers : resolveLayers(
    store.layers,
    settings.layers,
    fn.unzipped ?? 0,
    UNZIPPED_LIMIT,
  );
  fn.phase = advance(fn.phase, { kind: "update" }, fn.arn);
  fn.settings = settings;
  fn.layers = layers;
  launch(store, fn, undefined);
  return jsonResponse(configurationOf(fn));
}
