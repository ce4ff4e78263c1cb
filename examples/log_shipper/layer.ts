/**
 * Packages the log shipper as a Lambda layer: a zip whose
 * `extensions/log_shipper` (0755) Lambda starts as an external extension
 * from `/opt/extensions`, beside `log_shipper/main.js` (the bundled
 * extension) and `log_shipper/deno` (the Deno binary for the target) that
 * it runs. Nothing but the executable goes in `extensions/`: Lambda starts
 * every file there.
 *
 * ```sh
 * deno run -P=build examples/log_shipper/layer.ts --target arm64
 * aws lambda publish-layer-version --layer-name log-shipper \
 *   --zip-file fileb://dist/log_shipper/arm64/layer.zip --compatible-architectures arm64
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { createZip } from "../../scripts/zip.ts";
import {
  bundle,
  DEFAULT_DENO_DIR,
  denoBinary,
  PORTABLE_RUN_FLAGS,
} from "../../scripts/build/portable.ts";
import { resolveTarget } from "../../scripts/build/targets.ts";
import { NAME } from "./main.ts";

/** The extension's permissions: the Extensions API and its listener, its variables, and /tmp for LOG_SHIPPER_FILE. */
export const LAYER_PERMISSIONS: readonly string[] = [
  "--allow-env",
  "--allow-net=127.0.0.1,sandbox.localdomain",
  "--allow-write=/tmp",
];

/** What to build. */
export interface LayerOptions {
  /** `arm64` or `x64` (any usual name). */
  target: string;
  /** The output folder; the zip goes to `<out>/<arch>/layer.zip`. Default `dist/log_shipper`. */
  out?: string;
  /** Where fetched Deno binaries are kept; default `dist/.cache`. */
  cacheDir?: string;
  /** Deflate level, 0 (store) to 9; default 6. */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  /** Extra `--allow-*` flags, for a sink that ships elsewhere (`--allow-net=logs.example.com`). */
  allow?: readonly string[];
}

/**
 * The `extensions/log_shipper` script: it finds the layer's root from its
 * own path (`/opt` on Lambda) and runs the bundle with the Deno binary.
 */
export function extensionScript(permissions: readonly string[]): string {
  const args = ["run", ...PORTABLE_RUN_FLAGS, ...permissions].join(" ");
  return [
    "#!/bin/sh",
    `# The ${NAME} extension (made by examples/log_shipper/layer.ts): runs $root/${NAME}/main.js with the Deno binary beside it.`,
    "set -eu",
    'case "$0" in */*) root="${0%/*}/.." ;; *) root=.. ;; esac',
    `DENO_DIR="\${DENO_DIR:-${DEFAULT_DENO_DIR}}"`,
    "DENO_NO_UPDATE_CHECK=1",
    "export DENO_DIR DENO_NO_UPDATE_CHECK",
    `exec "$root/${NAME}/deno" ${args} "$root/${NAME}/main.js"`,
    "",
  ].join("\n");
}

/** Builds the layer zip; returns its path. */
export async function buildLayer(options: LayerOptions): Promise<string> {
  const target = resolveTarget(options.target);
  const out = `${options.out ?? "dist/log_shipper"}/${target.arch}`;
  await Deno.mkdir(out, { recursive: true });
  const bundled = `${out}/main.js`;
  await bundle(new URL("./main.ts", import.meta.url).pathname, bundled);
  const binary = await denoBinary(target, {
    cacheDir: options.cacheDir ?? "dist/.cache",
  });
  const zip = createZip([
    {
      name: `extensions/${NAME}`,
      data: new TextEncoder().encode(
        extensionScript([...LAYER_PERMISSIONS, ...(options.allow ?? [])]),
      ),
      executable: true,
    },
    { name: `${NAME}/main.js`, data: await Deno.readFile(bundled) },
    {
      name: `${NAME}/deno`,
      data: await Deno.readFile(binary.path),
      executable: true,
    },
  ], { level: options.level ?? 6 });
  const path = `${out}/layer.zip`;
  await Deno.writeFile(path, zip);
  await Deno.remove(bundled);
  return path;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      target: { type: "string", default: "arm64" },
      out: { type: "string" },
      allow: { type: "string", multiple: true, default: [] },
    },
  });
  const path = await buildLayer({
    target: values.target,
    out: values.out,
    allow: values.allow,
  });
  console.error(`Layer written to ${path}`);
}
