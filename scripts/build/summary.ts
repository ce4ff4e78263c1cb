/**
 * The end of a build: sizes against Lambda's limits, and the commands that
 * deploy the artifact.
 *
 * @module
 */

import { formatBytes } from "./progress.ts";
import type { Target } from "./targets.ts";
import { type LayerArtifact, layerName } from "./layer.ts";

/**
 * Lambda's deployment package limits, in bytes: 50 MiB zipped for a direct
 * upload (`--zip-file`; larger packages go through S3) and 250 MiB unzipped
 * (function and layers together, the `262144000 bytes` of Lambda's error).
 *
 * @example
 * ```ts
 * import { LAMBDA_LIMITS } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(LAMBDA_LIMITS.unzippedBytes, 262_144_000);
 * ```
 */
export const LAMBDA_LIMITS: { zippedBytes: number; unzippedBytes: number } = {
  zippedBytes: 50 * 1024 * 1024,
  unzippedBytes: 250 * 1024 * 1024,
};

/**
 * What one target's build produced.
 *
 * @example
 * ```ts
 * import type { Artifact } from "./summary.ts";
 * import { TARGETS } from "./targets.ts";
 *
 * const artifact: Artifact = {
 *   name: "echo",
 *   target: TARGETS.arm64,
 *   mode: "portable",
 *   directory: "dist/arm64",
 *   bootstrap: "dist/arm64/bootstrap",
 *   zip: "dist/arm64/function.zip",
 *   entries: ["bootstrap", "deno", "main.js"],
 *   bootstrapBytes: 600,
 *   zippedBytes: 42_000_000,
 *   unzippedBytes: 85_000_000,
 *   milliseconds: 5200,
 * };
 * ```
 */
export interface Artifact {
  /** The function's name in the deploy commands. */
  name: string;
  /** The architecture. */
  target: Target;
  /** `compile` (one binary) or `portable` (Deno binary, bundle and a shell bootstrap). */
  mode: "compile" | "portable";
  /** The memory size the heap is sized for, in the deploy command; absent with `--memory off`. */
  memoryMB?: number;
  /** The folder holding the unzipped files. */
  directory: string;
  /** The `bootstrap` file. */
  bootstrap: string;
  /** The `function.zip` file. */
  zip: string;
  /** The archive's entries. */
  entries: string[];
  /** The size of `bootstrap`. */
  bootstrapBytes: number;
  /** The size of `function.zip`. */
  zippedBytes: number;
  /** The sum of the archive's entries. */
  unzippedBytes: number;
  /** The layer holding the Deno binary, in layer mode (`--layer`). */
  layer?: LayerArtifact;
  /** How long this target took, shared steps (type-check, bundle) included in the first. */
  milliseconds: number;
}

/**
 * The AWS CLI commands that create the function from the artifact, and
 * replace its code later. `<role-arn>` is left for the user: the execution
 * role is theirs to choose.
 *
 * @example
 * ```ts
 * import { deployCommands } from "./summary.ts";
 * import { TARGETS } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * const [create, update] = deployCommands({ name: "echo", target: TARGETS.arm64, zip: "dist/arm64/function.zip" });
 * assert.match(create, /--runtime provided\.al2023 --architectures arm64 --handler bootstrap/);
 * assert.match(update, /^aws lambda update-function-code --function-name echo/);
 * ```
 */
export function deployCommands(
  artifact: Pick<Artifact, "name" | "target" | "zip" | "memoryMB">,
): [create: string, update: string] {
  const zip = `fileb://${artifact.zip}`;
  const arch = artifact.target.lambdaArchitecture;
  const memory = artifact.memoryMB === undefined
    ? ""
    : `--memory-size ${artifact.memoryMB} `;
  return [
    `aws lambda create-function --function-name ${artifact.name} ` +
    `--runtime provided.al2023 --architectures ${arch} --handler bootstrap ` +
    `${memory}--role <role-arn> --zip-file ${zip}`,
    `aws lambda update-function-code --function-name ${artifact.name} ` +
    `--architectures ${arch} --zip-file ${zip}`,
  ];
}

/**
 * The summary printed after a build, one block per artifact.
 *
 * @example
 * ```ts
 * import { formatSummary } from "./summary.ts";
 * import { TARGETS } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * const text = formatSummary([{
 *   name: "echo", target: TARGETS.x64, mode: "compile", directory: "dist/x64",
 *   bootstrap: "dist/x64/bootstrap", zip: "dist/x64/function.zip", entries: ["bootstrap"],
 *   bootstrapBytes: 90_000_000, zippedBytes: 60_000_000, unzippedBytes: 90_000_000, milliseconds: 9000,
 * }]);
 * assert.match(text, /over the 50\.0 MiB limit/);
 * ```
 */
export function formatSummary(artifacts: readonly Artifact[]): string {
  const blocks = artifacts.map((artifact) => {
    const [create, update] = deployCommands(artifact);
    const lines = [
      `${artifact.zip}  (${artifact.target.lambdaArchitecture}, ${artifact.mode} mode, ` +
      `built in ${(artifact.milliseconds / 1000).toFixed(1)} s)`,
      `  bootstrap  ${
        formatBytes(artifact.bootstrapBytes)
      }  ${artifact.bootstrap}`,
      `  zipped     ${formatBytes(artifact.zippedBytes)}  ` +
      _against(
        artifact.zippedBytes,
        LAMBDA_LIMITS.zippedBytes,
        "direct upload",
      ),
      `  unzipped   ${formatBytes(artifact.unzippedBytes)}  ` +
      _against(
        artifact.unzippedBytes,
        LAMBDA_LIMITS.unzippedBytes,
        "unzipped code",
      ),
      `  files      ${artifact.entries.join(", ")}`,
      ...(artifact.layer
        ? [
          `  layer      ${artifact.layer.zip}  ${
            formatBytes(artifact.layer.zippedBytes)
          } zipped, ${
            formatBytes(artifact.layer.unzippedBytes)
          } unzipped, Deno at ${artifact.layer.path}, sha256 ${
            artifact.layer.sha256.slice(0, 16)
          }…`,
          `  layer mode: deno task deploy --layer-mode --name ${artifact.name} ` +
          `--zip ${artifact.zip} publishes the layer once per content and uploads only function.zip`,
        ]
        : []),
      `  heap       ${_heap(artifact)}`,
    ];
    if (artifact.zippedBytes > LAMBDA_LIMITS.zippedBytes) {
      lines.push(
        "  too large to upload directly: copy it to S3 and pass --code S3Bucket=…,S3Key=… instead of --zip-file",
      );
    }
    if (artifact.layer) {
      const folder = artifact.layer.path.split("/")[2];
      lines.push(
        `  layer:   aws lambda publish-layer-version --layer-name ${
          layerName(folder)
        } --compatible-architectures ${artifact.target.lambdaArchitecture} ` +
          `--zip-file fileb://${artifact.layer.zip}`,
        `  deploy:  ${create} --layers <layer-version-arn>`,
        `  update:  ${update}`,
      );
      return lines.join("\n");
    }
    lines.push(`  deploy:  ${create}`, `  update:  ${update}`);
    return lines.join("\n");
  });
  return blocks.join("\n\n");
}

function _against(bytes: number, limit: number, what: string): string {
  const share = Math.round((bytes / limit) * 100);
  return bytes > limit
    ? `over the ${formatBytes(limit)} limit for ${what}`
    : `${share}% of the ${formatBytes(limit)} limit for ${what}`;
}

function _heap(artifact: Pick<Artifact, "mode" | "memoryMB">): string {
  if (artifact.memoryMB === undefined) return "V8's defaults (--memory off)";
  return artifact.mode === "compile"
    ? `sized for ${artifact.memoryMB} MB at build time: rebuild with --memory N for another memory size`
    : "sized to the function's memory size at each start";
}
