// Layers: PublishLayerVersion, GetLayerVersion, GetLayerVersionByArn, ListLayerVersions, ListLayers and
// DeleteLayerVersion, in Lambda's shapes. A layer's zip is checked by the one zip reader at publish, and
// unpacked when a function first uses it.
import { InvalidZipError, validateZip } from "../../zip.ts";
import { REQUEST_LIMIT, requestTooLarge, UNZIPPED_LIMIT } from "../_s3_code.ts";
import { zipBytesOf } from "./code.ts";
import { invalidParameter, ResourceNotFoundException } from "./errors.ts";
import { layerVersionByArn, type LayerVersionRecord } from "./layer_store.ts";
import type { Call } from "./router.ts";
import type { Store } from "./store.ts";
import {
  jsonResponse,
  noContent,
  readJson,
  sha256Base64,
  stringOf,
  timestamp,
} from "./wire.ts";

/** PublishLayerVersion: a new version of the layer, its zip checked and unpacked. */
export async function publishLayerVersion({ request, params, store }: Call) {
  const name = _layerName(store, params.layer!);
  const body = await readJson(request, {
    bytes: REQUEST_LIMIT,
    error: () => requestTooLarge("PublishLayerVersion"),
  });
  if (typeof body.Content !== "object" || body.Content === null) {
    throw invalidParameter(
      "Content is missing: give ZipFile or S3Bucket and S3Key",
    );
  }
  const zip = await zipBytesOf(body.Content, store.settings.s3Endpoint);
  const layer = store.layers.get(name) ?? { serial: 0, versions: new Map() };
  store.layers.set(name, layer);
  // Numbered before the unpack, so that publishes of one name in parallel never share a number.
  const version = ++layer.serial;
  const dir = await store.newCodeDir(`layer-${name}-${version}`);
  let unzipped: number;
  try {
    unzipped = await validateZip(zip, { limit: UNZIPPED_LIMIT });
  } catch (error) {
    if (!(error instanceof InvalidZipError)) throw error;
    throw invalidParameter(error.lambdaMessage);
  }
  const layerArn = _layerArn(store, name);
  const record: LayerVersionRecord = {
    name,
    version,
    layerArn,
    arn: `${layerArn}:${version}`,
    description: stringOf(body.Description) ?? "",
    createdDate: timestamp(new Date(store.settings.now())),
    compatibleRuntimes: _strings(body.CompatibleRuntimes),
    compatibleArchitectures: _strings(body.CompatibleArchitectures),
    licenseInfo: stringOf(body.LicenseInfo),
    codeSha256: await sha256Base64(zip),
    codeSize: zip.byteLength,
    unzipped,
    zip,
    dir,
  };
  layer.versions.set(version, record);
  return jsonResponse(_detail(record), 201);
}

/** GetLayerVersion. */
export function getLayerVersion({ params, store }: Call) {
  return Promise.resolve(jsonResponse(_detail(_find(store, params))));
}

/** `GET /2018-10-31/layers`: GetLayerVersionByArn with `?find=LayerVersion&Arn=`, else ListLayers. */
export function layersQuery({ url, store }: Call) {
  const query = url.searchParams;
  if (query.get("find") === "LayerVersion") {
    const arn = query.get("Arn") ?? "";
    try {
      return Promise.resolve(
        jsonResponse(_detail(layerVersionByArn(store.layers, arn))),
      );
    } catch {
      throw new ResourceNotFoundException(
        `Layer version ${arn} does not exist.`,
      );
    }
  }
  const Layers = [...store.layers.entries()].flatMap(([name, layer]) => {
    const latest = _matching(layer.versions.values(), query)[0];
    return latest === undefined ? [] : [{
      LayerName: name,
      LayerArn: latest.layerArn,
      LatestMatchingVersion: _item(latest),
    }];
  });
  return Promise.resolve(jsonResponse({ Layers }));
}

/** ListLayerVersions: newest first, filtered by `CompatibleRuntime`/`CompatibleArchitecture`, paged by `Marker`/`MaxItems`. */
export function listLayerVersions({ url, params, store }: Call) {
  const name = _layerName(store, params.layer!);
  const query = url.searchParams;
  const versions = _matching(
    store.layers.get(name)?.versions.values() ?? [],
    query,
  );
  const marker = Number(query.get("Marker") ?? Infinity);
  const max = Math.min(50, Number(query.get("MaxItems") ?? 50) || 50);
  const after = versions.filter((v) => v.version < marker);
  const page = after.slice(0, max);
  return Promise.resolve(jsonResponse({
    LayerVersions: page.map(_item),
    ...(after.length > max ? { NextMarker: String(page.at(-1)!.version) } : {}),
  }));
}

/** DeleteLayerVersion: gone from the API at once; its folder stays for functions that use it, as Lambda keeps a copy. */
export function deleteLayerVersion({ params, store }: Call) {
  const name = _layerName(store, params.layer!);
  store.layers.get(name)?.versions.delete(Number(params.version));
  return Promise.resolve(noContent());
}

function _find(
  store: Store,
  params: Call["params"],
): LayerVersionRecord {
  const name = _layerName(store, params.layer!);
  const found = store.layers.get(name)?.versions.get(Number(params.version));
  if (found === undefined) {
    throw new ResourceNotFoundException(
      `Layer version ${
        _layerArn(store, name)
      }:${params.version} does not exist.`,
    );
  }
  return found;
}

/** A `LayerName` path segment: a name, or this plane's layer ARN. */
function _layerName(store: Store, segment: string): string {
  const given = decodeURIComponent(segment);
  const name = given.startsWith("arn:")
    ? given.slice(_layerArn(store, "").length)
    : given;
  if (!/^[A-Za-z0-9_-]{1,140}$/.test(name)) {
    throw invalidParameter(
      `1 validation error detected: Value '${given}' at 'layerName' failed to satisfy constraint: ` +
        "Member must satisfy regular expression pattern: " +
        "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+",
    );
  }
  return name;
}

function _layerArn(store: Store, name: string): string {
  const { region, account } = store.settings;
  return `arn:aws:lambda:${region}:${account}:layer:${name}`;
}

function _matching(
  versions: Iterable<LayerVersionRecord>,
  query: URLSearchParams,
): LayerVersionRecord[] {
  const runtime = query.get("CompatibleRuntime");
  const architecture = query.get("CompatibleArchitecture");
  return [...versions]
    .filter((v) => runtime === null || v.compatibleRuntimes?.includes(runtime))
    .filter((v) =>
      architecture === null ||
      v.compatibleArchitectures?.includes(architecture)
    )
    .sort((a, b) => b.version - a.version);
}

/** A layer version as ListLayerVersions lists it. */
function _item(v: LayerVersionRecord): Record<string, unknown> {
  return {
    LayerVersionArn: v.arn,
    Version: v.version,
    Description: v.description,
    CreatedDate: v.createdDate,
    ...(v.compatibleRuntimes
      ? { CompatibleRuntimes: v.compatibleRuntimes }
      : {}),
    ...(v.licenseInfo === undefined ? {} : { LicenseInfo: v.licenseInfo }),
    ...(v.compatibleArchitectures
      ? { CompatibleArchitectures: v.compatibleArchitectures }
      : {}),
  };
}

/** A layer version as PublishLayerVersion and GetLayerVersion answer it. */
function _detail(v: LayerVersionRecord): Record<string, unknown> {
  return {
    Content: {
      Location: `file://${v.dir}`,
      CodeSha256: v.codeSha256,
      CodeSize: v.codeSize,
    },
    LayerArn: v.layerArn,
    ..._item(v),
  };
}

function _strings(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw invalidParameter("Expected a list of strings");
  }
  return Object.freeze([...value]);
}
