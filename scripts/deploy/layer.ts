/**
 * Layer mode (`--layer-mode`): the Deno binary's layer is published once per
 * content (its SHA-256 in the version's description; a version that carries
 * it is reused), attached to the function, and only the function zip is
 * uploaded. A layer for another Deno version or architecture than the
 * function's bootstrap expects, or one that with the function passes
 * Lambda's 250 MB unzipped, is refused before anything is called.
 *
 * @module
 */

import {
  type LambdaClient,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { unzipSync } from "npm:fflate@0.8.2";
import { UNZIPPED_LIMIT } from "@rtl/lambda-local/zip";
import { layerName } from "../build/layer.ts";
import { DeployError } from "./errors.ts";
import { DIRECT_UPLOAD_LIMIT, type Package, readPackage } from "./package.ts";

/** The Deno layer to publish or reuse, read and checked against the function. */
export interface LayerPackage {
  /** The layer's zip, read and checked. */
  readonly pkg: Package;
  /** Its SHA-256 in hex, as the version's description carries it. */
  readonly sha256Hex: string;
  /** The folder it holds under /opt: `deno-<version>-<arch>`. */
  readonly folder: string;
  /** The layer's name: the folder, dots as underscores (Lambda's names take none). */
  readonly name: string;
  /** The description a version of this content carries. */
  readonly description: string;
}

/** What layer mode does with the layer: publish a new version, or reuse one with the same content. */
export type LayerAction =
  | { readonly kind: "publish" }
  | { readonly kind: "reuse"; readonly arn: string; readonly version: number };

/** Reads the layer at `path` for the function zip `fn`; a `DeployError` that says what to do when they do not go together. */
export async function readLayer(
  path: string,
  fn: Package,
): Promise<LayerPackage> {
  const expected = _expectedFolder(fn);
  const pkg = await readPackage(path);
  const folders = _denoFolders(pkg.bytes);
  if (!folders.includes(expected)) {
    throw new DeployError(
      `${path} holds ${
        folders.length ? folders.join(", ") : "no Deno binary"
      }, but ${fn.path}'s bootstrap runs /opt/${expected}/deno: a layer for another Deno version or architecture`,
      "Build the function and its layer together (deno task build --layer) and deploy that folder's function.zip with its layer.zip.",
    );
  }
  const total = fn.unzipped + pkg.unzipped;
  if (total > UNZIPPED_LIMIT) {
    throw new DeployError(
      `${fn.path} (${fn.unzipped} bytes unzipped) with ${path} (${pkg.unzipped} bytes) comes to ${total} bytes, ` +
        `over Lambda's ${UNZIPPED_LIMIT} bytes for a function and its layers unzipped`,
      "Leave files out of the function (--include), or move them to S3.",
    );
  }
  const sha256Hex = Array.from(
    atob(pkg.sha256),
    (c) => c.charCodeAt(0).toString(16).padStart(2, "0"),
  ).join("");
  return {
    pkg,
    sha256Hex,
    folder: expected,
    name: layerName(expected),
    description:
      `${expected} for @rtl/lambda (deno task build --layer) sha256:${sha256Hex}`,
  };
}

/** A version of the layer whose description carries the same content hash, found with ListLayerVersions; publish when none. */
export async function findLayer(
  lambda: LambdaClient,
  layer: LayerPackage,
): Promise<LayerAction> {
  let marker: string | undefined;
  do {
    const page = await lambda.send(
      new ListLayerVersionsCommand({ LayerName: layer.name, Marker: marker }),
    );
    const found = page.LayerVersions?.find((v) =>
      v.Description?.includes(`sha256:${layer.sha256Hex}`)
    );
    if (found?.LayerVersionArn && found.Version !== undefined) {
      return {
        kind: "reuse",
        arn: found.LayerVersionArn,
        version: found.Version,
      };
    }
    marker = page.NextMarker;
  } while (marker);
  return { kind: "publish" };
}

/** Publishes the layer as a new version; its ARN and number. */
export async function publishLayer(
  lambda: LambdaClient,
  layer: LayerPackage,
  architecture: string,
): Promise<{ arn: string; version: number }> {
  if (layer.pkg.zipped > DIRECT_UPLOAD_LIMIT) {
    throw new DeployError(
      `${layer.pkg.path} is ${layer.pkg.zipped} bytes, over the 50 MB limit for a direct upload`,
      "Publish it through S3 yourself (aws lambda publish-layer-version --content S3Bucket=…,S3Key=…) and pass its ARN with --layer.",
    );
  }
  const published = await lambda.send(
    new PublishLayerVersionCommand({
      LayerName: layer.name,
      Content: { ZipFile: layer.pkg.bytes },
      Description: layer.description,
      CompatibleArchitectures: [architecture as "x86_64" | "arm64"],
      CompatibleRuntimes: ["provided.al2023", "provided.al2"],
      // Deno's own license.
      LicenseInfo: "MIT",
    }),
  );
  return { arn: published.LayerVersionArn!, version: published.Version! };
}

/** The folder the function's bootstrap runs Deno from; refused when the function carries its own. */
function _expectedFolder(fn: Package): string {
  const files = unzipSync(fn.bytes, {
    filter: (file) => file.name === "bootstrap" || file.name === "deno",
  });
  const bootstrap = files.bootstrap
    ? new TextDecoder().decode(files.bootstrap)
    : "";
  const folder = /\}\/(deno-[A-Za-z0-9._-]+)\/deno"/.exec(bootstrap)?.[1];
  if (files.deno !== undefined || folder === undefined) {
    throw new DeployError(
      `${fn.path} was not built with --layer: ${
        files.deno
          ? "it carries its own Deno binary"
          : "its bootstrap uses no layer"
      }`,
      "Build it with deno task build --layer, then deploy with --layer-mode; or deploy it without --layer-mode.",
    );
  }
  return folder;
}

/** The `deno-*` folders holding a `deno` in a layer zip, read from its names alone. */
function _denoFolders(zip: Uint8Array): string[] {
  const folders: string[] = [];
  unzipSync(zip, {
    filter: (file) => {
      const match = /^(deno-[^/]+)\/deno$/.exec(file.name);
      if (match) folders.push(match[1]);
      return false;
    },
  });
  return folders;
}
