/**
 * Layer mode (`--layer`): the Deno binary goes into `layer.zip`, at
 * `/opt/deno-<version>-<architecture>/deno` once Lambda has extracted it,
 * shared by every function of that Deno version and architecture; the
 * function zip keeps the bootstrap, `main.js`, its map and caches. The
 * folder's name carries the version and architecture, so a bootstrap never
 * starts a Deno it was not built for: it finds none, and says which layer
 * to attach.
 *
 * @module
 */

import { zipFiles } from "../zip.ts";
import { BuildError } from "./errors.ts";
import { formatBytes } from "./progress.ts";
import type { Target } from "./targets.ts";

/**
 * Where layer mode writes, under `<out>/<arch>/`: the layer's zip, and the
 * folder it is made from (the layer's `/opt` as files).
 *
 * @example
 * ```ts
 * import { LAYER_FILES } from "./layer.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(LAYER_FILES.zip, "layer.zip");
 * ```
 */
export const LAYER_FILES: { zip: string; staging: string } = {
  zip: "layer.zip",
  staging: "layer",
};

/**
 * The layer's folder for a Deno version and target: `deno-2.9.6-x86_64`,
 * which Lambda extracts to `/opt/deno-2.9.6-x86_64/`.
 *
 * @example
 * ```ts
 * import { layerFolder } from "./layer.ts";
 * import { TARGETS } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(layerFolder(TARGETS.arm64, "2.9.6"), "deno-2.9.6-arm64");
 * ```
 */
export function layerFolder(
  target: Target,
  version: string = Deno.version.deno,
): string {
  return `deno-${version}-${target.lambdaArchitecture}`;
}

/**
 * The layer's name on Lambda for a layer folder: the folder, dots as
 * underscores (layer names take letters, digits, `-` and `_`).
 *
 * @example
 * ```ts
 * import { layerName } from "./layer.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(layerName("deno-2.9.6-x86_64"), "deno-2_9_6-x86_64");
 * ```
 */
export function layerName(folder: string): string {
  return folder.replaceAll(".", "_");
}

/**
 * The error type a bootstrap reports at `/runtime/init/error` when it finds
 * no Deno to start: Lambda's own for an entry point that cannot run.
 *
 * @example
 * ```ts
 * import { MISSING_DENO_ERROR_TYPE } from "./layer.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MISSING_DENO_ERROR_TYPE, "Runtime.InvalidEntrypoint");
 * ```
 */
export const MISSING_DENO_ERROR_TYPE = "Runtime.InvalidEntrypoint";

/**
 * The shell lines a layer-mode bootstrap runs before it starts Deno: they
 * set `rtl_deno` to `$root/deno` when the function carries its own, else to
 * the layer's (under `$RTL_LAMBDA_OPT`, `/opt` unless the local emulator
 * says otherwise); with neither, they report an init error naming the
 * layer to attach (and any Deno layer of another version or architecture
 * found instead) to the Runtime API and stderr, and exit 1. The happy path
 * costs two file tests.
 *
 * @example
 * ```ts
 * import { denoLookupLines } from "./layer.ts";
 * import { TARGETS } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * const lines = denoLookupLines(TARGETS.x64, "2.9.6").join("\n");
 * assert.match(lines, /rtl_deno="\$\{RTL_LAMBDA_OPT:-\/opt\}\/deno-2\.9\.6-x86_64\/deno"/);
 * assert.match(lines, /deno task build --layer/);
 * ```
 */
export function denoLookupLines(
  target: Target,
  version: string = Deno.version.deno,
): string[] {
  const folder = layerFolder(target, version);
  const fix =
    `attach the layer built by \\\`deno task build --layer\\\` for Deno ${version} ${target.lambdaArchitecture} ` +
    `(dist/${target.arch}/${LAYER_FILES.zip}; \\\`deno task deploy --layer-mode\\\` publishes and attaches it)`;
  return [
    "# Layer mode: Deno beside the bootstrap, else in the layer for exactly this Deno version and architecture.",
    'rtl_deno="$root/deno"',
    'if [ ! -x "$rtl_deno" ]; then',
    `  rtl_deno="\${RTL_LAMBDA_OPT:-/opt}/${folder}/deno"`,
    '  if [ ! -x "$rtl_deno" ]; then',
    "    rtl_other=",
    '    for rtl_f in "${RTL_LAMBDA_OPT:-/opt}"/deno-*/deno; do',
    '      rtl_n="${rtl_f%/deno}"; rtl_n="${rtl_n##*/}"',
    '      case "$rtl_n" in *[!A-Za-z0-9._-]*) ;; *) [ -e "$rtl_f" ] && rtl_other="$rtl_other $rtl_n" ;; esac',
    "    done",
    `    rtl_msg="Deno ${version} for ${target.lambdaArchitecture} is neither beside the bootstrap nor in /opt/${folder}/deno"`,
    '    [ -z "$rtl_other" ] || rtl_msg="$rtl_msg; /opt holds a Deno layer for another version or architecture:$rtl_other"',
    `    rtl_msg="$rtl_msg: ${fix}"`,
    '    echo "$rtl_msg" >&2',
    `    rtl_body="{\\"errorMessage\\":\\"$rtl_msg\\",\\"errorType\\":\\"${MISSING_DENO_ERROR_TYPE}\\"}"`,
    `    rtl_url="http://\${AWS_LAMBDA_RUNTIME_API:-127.0.0.1:9001}/2018-06-01/runtime/init/error"`,
    "    # Reported with curl, else through bash's /dev/tcp (Lambda's /bin/sh is bash); either way Lambda logs stderr.",
    `    curl -sS -m 2 -o /dev/null -H "Lambda-Runtime-Function-Error-Type: ${MISSING_DENO_ERROR_TYPE}" --data-binary "$rtl_body" "$rtl_url" 2>/dev/null ||`,
    `      bash -c 'exec 3<>"/dev/tcp/\${1%:*}/\${1##*:}" && printf "POST /2018-06-01/runtime/init/error HTTP/1.1\\r\\nHost: %s\\r\\nLambda-Runtime-Function-Error-Type: ${MISSING_DENO_ERROR_TYPE}\\r\\nContent-Type: application/json\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s" "$1" "\${#2}" "$2" >&3 && cat <&3 >/dev/null' rtl "\${AWS_LAMBDA_RUNTIME_API:-127.0.0.1:9001}" "$rtl_body" 2>/dev/null || true`,
    "    exit 1",
    "  fi",
    "fi",
  ];
}

/**
 * The function and its layer together passed Lambda's 250 MiB unzipped
 * limit (`262144000` bytes, function and layers): Lambda would refuse the
 * function at create or update.
 *
 * @example
 * ```ts
 * import { LayerTooLargeError } from "./layer.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new LayerTooLargeError(1, 2, 3).name, "LayerTooLargeError");
 * ```
 */
export class LayerTooLargeError extends BuildError {
  /** Creates the error from the function's, the layer's unzipped sizes and the limit. */
  constructor(
    functionBytes: number,
    layerBytes: number,
    limit: number,
    options?: ErrorOptions,
  ) {
    super(
      `the function (${formatBytes(functionBytes)} unzipped) and its layer (${
        formatBytes(layerBytes)
      }) come to ${functionBytes + layerBytes} bytes, over Lambda's ${limit} ` +
        `bytes for a function and its layers unzipped: leave --include files out, or move them to S3`,
      options,
    );
    this.name = "LayerTooLargeError";
  }
}

/**
 * Refuses a function and layer over `limit` bytes unzipped together, with
 * {@linkcode LayerTooLargeError}.
 *
 * @example
 * ```ts
 * import { checkUnzippedTotal } from "./layer.ts";
 * import assert from "node:assert/strict";
 *
 * checkUnzippedTotal(1_000, 90_000_000, 262_144_000);
 * assert.throws(() => checkUnzippedTotal(200_000_000, 90_000_000, 262_144_000), {
 *   name: "LayerTooLargeError",
 * });
 * ```
 */
export function checkUnzippedTotal(
  functionBytes: number,
  layerBytes: number,
  limit: number,
): void {
  if (functionBytes + layerBytes > limit) {
    throw new LayerTooLargeError(functionBytes, layerBytes, limit);
  }
}

/**
 * What {@linkcode packLayer} wrote.
 *
 * @example
 * ```ts
 * import type { LayerArtifact } from "./layer.ts";
 *
 * const layer: LayerArtifact = {
 *   zip: "dist/x64/layer.zip",
 *   path: "/opt/deno-2.9.6-x86_64/deno",
 *   zippedBytes: 40_000_000,
 *   unzippedBytes: 91_000_000,
 *   sha256: "0".repeat(64),
 * };
 * ```
 */
export interface LayerArtifact {
  /** The layer's zip. */
  zip: string;
  /** Where the Deno binary is once Lambda has extracted the layer. */
  path: string;
  /** The zip's size. */
  zippedBytes: number;
  /** The sum of its entries. */
  unzippedBytes: number;
  /** The zip's SHA-256 in hex: the same Deno binary gives the same bytes, so the same hash. */
  sha256: string;
}

/**
 * Moves the staged `<directory>/deno` into the layer's folder
 * (`<directory>/layer/deno-<version>-<arch>/deno`, so that the staged
 * function runs as its zip will: without Deno beside it) and zips that
 * folder into `<directory>/layer.zip`, deterministically (fixed timestamps,
 * sorted entries: the zip writer's).
 *
 * @example
 * ```ts ignore
 * import { packLayer } from "./layer.ts";
 * import { TARGETS } from "./targets.ts";
 *
 * const layer = await packLayer("dist/x64", TARGETS.x64);
 * console.log(layer.zip, layer.sha256);
 * ```
 */
export async function packLayer(
  directory: string,
  target: Target,
): Promise<LayerArtifact> {
  const staging = `${directory}/${LAYER_FILES.staging}`;
  const folder = layerFolder(target);
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${staging}/${folder}`, { recursive: true });
  await Deno.rename(`${directory}/deno`, `${staging}/${folder}/deno`);
  const zip = `${directory}/${LAYER_FILES.zip}`;
  const summary = await zipFiles([folder], { root: staging, output: zip });
  const digest = await crypto.subtle.digest(
    "SHA-256",
    await Deno.readFile(zip),
  );
  return {
    zip,
    path: `/opt/${folder}/deno`,
    zippedBytes: summary.zippedBytes,
    unzippedBytes: summary.unzippedBytes,
    sha256: Array.from(
      new Uint8Array(digest),
      (b) => b.toString(16).padStart(2, "0"),
    ).join(""),
  };
}

/**
 * Removes a former layer build's files from `directory`, so that a build
 * without `--layer` leaves nothing that looks current.
 *
 * @example
 * ```ts ignore
 * import { removeLayer } from "./layer.ts";
 *
 * await removeLayer("dist/x64");
 * ```
 */
export async function removeLayer(directory: string): Promise<void> {
  for (const name of [LAYER_FILES.zip, LAYER_FILES.staging]) {
    await Deno.remove(`${directory}/${name}`, { recursive: true }).catch(
      () => {},
    );
  }
}
