// Aliases: CreateAlias, ListAliases, GetAlias, UpdateAlias and DeleteAlias; an alias routes to one version.
import {
  invalidParameter,
  notFound,
  ResourceConflictException,
  ResourceNotFoundException,
} from "./errors.ts";
import { assertRevision } from "./revision.ts";
import type { Call } from "./router.ts";
import type { AliasRecord, FunctionRecord } from "./store.ts";
import { jsonResponse, noContent, readJson, stringOf } from "./wire.ts";

/** CreateAlias. */
export async function createAlias({ request, params, url, store }: Call) {
  const { fn } = store.find(params.fn!, url.searchParams);
  const body = await readJson(request);
  const alias = stringOf(body.Name) ?? "";
  if (!/^(?!\d+$)[A-Za-z0-9_-]{1,128}$/.test(alias)) {
    throw invalidParameter(
      "The alias Name must be 1 to 128 letters, digits, hyphens or underscores, and not only digits (those name versions)",
    );
  }
  if (stringOf(body.FunctionVersion) === undefined) {
    throw invalidParameter(
      "CreateAlias needs FunctionVersion: a published version's number, or $LATEST",
    );
  }
  if (fn.aliases.has(alias)) {
    throw new ResourceConflictException(
      `Alias already exists: ${fn.arn}:${alias}`,
    );
  }
  return jsonResponse(_setAlias(fn, alias, body), 201);
}

/** ListAliases. */
export function listAliases({ params, url, store }: Call) {
  const { fn } = store.find(params.fn!, url.searchParams);
  return Promise.resolve(jsonResponse({ Aliases: [...fn.aliases.values()] }));
}

/** GetAlias. */
export function getAlias(call: Call) {
  const { alias } = _existing(call);
  return Promise.resolve(jsonResponse(alias));
}

/** UpdateAlias: another version or description; a stale RevisionId is refused. */
export async function updateAlias(call: Call) {
  const { fn, alias } = _existing(call);
  const body = await readJson(call.request);
  assertRevision(body, alias.RevisionId);
  return jsonResponse(_setAlias(fn, alias.Name, body));
}

/** DeleteAlias, and the alias's URL config with it. */
export function deleteAlias(call: Call) {
  const { fn, alias } = _existing(call);
  fn.aliases.delete(alias.Name);
  fn.urls.delete(alias.Name);
  return Promise.resolve(noContent());
}

function _existing({ params, url, store }: Call) {
  const { fn } = store.find(params.fn!, url.searchParams);
  const name = decodeURIComponent(params.alias!);
  const alias = fn.aliases.get(name);
  if (alias === undefined) {
    throw new ResourceNotFoundException(`Alias not found: ${fn.arn}:${name}`);
  }
  return { fn, alias };
}

function _setAlias(
  fn: FunctionRecord,
  alias: string,
  body: Record<string, unknown>,
): AliasRecord {
  const weights = (body.RoutingConfig as
    | { AdditionalVersionWeights?: Record<string, number> }
    | undefined)?.AdditionalVersionWeights;
  if (weights !== undefined && Object.keys(weights).length > 0) {
    throw invalidParameter(
      "The local control plane routes an alias to one version: leave out RoutingConfig's AdditionalVersionWeights",
    );
  }
  const previous = fn.aliases.get(alias);
  const version = stringOf(body.FunctionVersion) ??
    previous?.FunctionVersion ?? "";
  if (
    version !== "$LATEST" && !fn.versions.some((v) => v.version === version)
  ) {
    throw notFound(`${fn.arn}:${version}`);
  }
  const record = {
    AliasArn: `${fn.arn}:${alias}`,
    Name: alias,
    FunctionVersion: version,
    Description: stringOf(body.Description) ?? previous?.Description ?? "",
    RevisionId: crypto.randomUUID(),
  };
  fn.aliases.set(alias, record);
  return record;
}
