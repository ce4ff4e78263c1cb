// The processes behind a function: $LATEST's (restarted on each update), each version's (started on first
// use), and where an invocation of a qualifier runs.
import type { Runner } from "../deployed_function.ts";
import { unpackZip } from "../../zip.ts";
import { notFound, ServiceException } from "./errors.ts";
import { retire } from "./inflight.ts";
import { advance, assertInvocable } from "./lifecycle.ts";
import { optFolder, unpackedLayer } from "./layer_store.ts";
import {
  deployedOf,
  type FunctionRecord,
  removeDir,
  started,
  type Store,
  versionOf,
} from "./store.ts";

/** Unpacks new code (when given) and restarts $LATEST on it in the background; the phase ends done or failed. */
export function launch(
  store: Store,
  fn: FunctionRecord,
  zip: Uint8Array | undefined,
): void {
  fn.revision = crypto.randomUUID();
  fn.lastModified = new Date(store.settings.now());
  fn.work = (async () => {
    try {
      await _replace(store, fn, zip);
      fn.phase = advance(fn.phase, { kind: "done" }, fn.arn);
      // Executions kept from before a restart resume once their function runs again.
      store.settings.durable?.functionAvailable(fn.name);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      fn.phase = advance(fn.phase, { kind: "fail", reason }, fn.arn);
    } finally {
      fn.work = undefined;
    }
  })();
}

async function _replace(
  store: Store,
  fn: FunctionRecord,
  zip: Uint8Array | undefined,
): Promise<void> {
  const oldDir = fn.dir;
  if (zip !== undefined) {
    const dir = await store.newCodeDir(fn.name);
    await unpackZip(zip, dir);
    fn.dir = dir;
  }
  fn.opt = await optFolder(
    await Promise.all((fn.layers ?? []).map(unpackedLayer)),
    () => store.newCodeDir(`${fn.name}-opt`),
  );
  const previous = fn.runner;
  fn.runner = await store.settings.start(deployedOf(fn));
  if (previous !== undefined) _retire(fn, previous);
  if (oldDir !== fn.dir) await removeUnused(fn, oldDir);
}

/** Invocations still running on the old code finish there, as on Lambda; then its process ends. */
function _retire(fn: FunctionRecord, runner: Runner): void {
  fn.retiring.add(runner);
  retire(runner).catch(() => {}).finally(() => fn.retiring.delete(runner));
}

/** Removes a code folder that neither $LATEST nor a version runs any more. */
export async function removeUnused(
  fn: FunctionRecord,
  dir: string | undefined,
): Promise<void> {
  if (
    dir === undefined || dir === fn.dir ||
    fn.versions.some((v) => v.deployed.dir === dir)
  ) return;
  await removeDir(dir);
}

/** Ends every process of a function and removes its code. */
export async function stop(fn: FunctionRecord): Promise<void> {
  await fn.work;
  const versions = fn.versions;
  fn.versions = [];
  await Promise.all([
    fn.runner?.close(),
    ...[...fn.retiring].map((runner) => runner.close()),
    ...versions.map(async (v) => (await started(v.runner))?.close()),
  ]);
  const dirs = new Set([fn.dir, ...versions.map((v) => v.deployed.dir)]);
  for (const dir of dirs) if (dir !== undefined) await removeDir(dir);
}

/** Where an invocation of `qualifier` runs: $LATEST's process, or a version's own (started on first use). */
export async function target(
  store: Store,
  fn: FunctionRecord,
  qualifier: string | undefined,
): Promise<{ runner: Runner; version: string }> {
  const version = versionOf(fn, qualifier);
  if (version === "$LATEST") {
    assertInvocable(fn.phase);
    // Active means started: the phase moves on only once the runner is in place.
    return { runner: fn.runner!, version };
  }
  const published = fn.versions.find((v) => v.version === version);
  if (published === undefined) throw notFound(`${fn.arn}:${qualifier}`);
  published.runner ??= store.settings.start(published.deployed);
  try {
    return { runner: await published.runner, version };
  } catch (error) {
    published.runner = undefined;
    throw new ServiceException(
      `Version ${version} of ${fn.name} could not start: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}
