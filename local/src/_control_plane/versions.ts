// Published versions: PublishVersion, ListVersionsByFunction, and DeleteFunction of one version.
import {
  invalidParameter,
  notFound,
  ResourceConflictException,
} from "./errors.ts";
import { assertIdle } from "./lifecycle.ts";
import { assertRevision } from "./revision.ts";
import type { Call } from "./router.ts";
import { removeUnused } from "./runners.ts";
import {
  configurationOf,
  deployedOf,
  type FunctionRecord,
  publishKey,
  started,
} from "./store.ts";
import { jsonResponse, readJson, stringOf } from "./wire.ts";

/** PublishVersion: refused while an update is in progress, as Lambda refuses it. */
export async function publishVersion({ request, params, url, store }: Call) {
  const { fn } = store.find(params.fn!, url.searchParams);
  assertIdle(fn.phase, fn.arn);
  const body = await readJson(request);
  // The body was read meanwhile: an update may have begun.
  assertIdle(fn.phase, fn.arn);
  assertRevision(body, fn.revision);
  return jsonResponse(publish(fn, body), 201);
}

/** Snapshots $LATEST's code and configuration as the next version, unless the last one has them already. */
export function publish(
  fn: FunctionRecord,
  body: Record<string, unknown> = {},
): Record<string, unknown> {
  const expected = stringOf(body.CodeSha256);
  if (expected !== undefined && expected !== fn.codeSha256) {
    throw invalidParameter(
      `CodeSha256 (${expected}) is different from the CodeSha256 of $LATEST (${fn.codeSha256}): publish the code you uploaded, or leave CodeSha256 out`,
    );
  }
  const key = publishKey(fn);
  const last = fn.versions.at(-1);
  if (last !== undefined && last.key === key) return last.configuration;
  // Numbers are never reused, even after a version is deleted.
  fn.serial += 1;
  const version = String(fn.serial);
  const configuration = {
    ...configurationOf(fn),
    Version: version,
    FunctionArn: `${fn.arn}:${version}`,
    Description: stringOf(body.Description) ?? fn.settings.description,
    State: "Active",
    LastUpdateStatus: "Successful",
  };
  fn.versions.push({
    version,
    configuration,
    deployed: { ...deployedOf(fn), version },
    key,
    runner: undefined,
  });
  return configuration;
}

/** ListVersionsByFunction: $LATEST, then each version. */
export function listVersions({ params, url, store }: Call) {
  const { fn } = store.find(params.fn!, url.searchParams);
  return Promise.resolve(jsonResponse({
    Versions: [configurationOf(fn), ...fn.versions.map((v) => v.configuration)],
  }));
}

/** DeleteFunction with a Qualifier: that version alone, unless an alias points at it. */
export async function deleteVersion(fn: FunctionRecord, qualifier: string) {
  if (qualifier === "$LATEST") {
    throw invalidParameter(
      "$LATEST version cannot be deleted without deleting the function.",
    );
  }
  if (fn.aliases.has(qualifier)) {
    throw invalidParameter(
      `${qualifier} is an alias: delete it with DeleteAlias, or name a version's number`,
    );
  }
  const found = fn.versions.find((v) => v.version === qualifier);
  if (found === undefined) throw notFound(`${fn.arn}:${qualifier}`);
  const referencing = [...fn.aliases.values()]
    .filter((alias) => alias.FunctionVersion === qualifier)
    .map((alias) => alias.Name);
  if (referencing.length > 0) {
    throw new ResourceConflictException(
      `Unable to delete version because the following aliases reference it: [${
        referencing.join(", ")
      }]`,
    );
  }
  fn.versions = fn.versions.filter((v) => v !== found);
  await (await started(found.runner))?.close();
  await removeUnused(fn, found.deployed.dir);
}
