/**
 * The plan a deploy follows, printed by `--dry-run` and before each deploy.
 *
 * @module
 */

import type { DeployOptions } from "./options.ts";
import type { LayerAction, LayerPackage } from "./layer.ts";
import {
  describeDurableConfig,
  DURABLE_EXECUTION_POLICY,
  roleName,
} from "./durable.ts";
import {
  DIRECT_UPLOAD_LIMIT,
  formatSize,
  type Package,
  s3Key,
} from "./package.ts";

/** The steps, in words; `layer` says what layer mode does with the Deno layer. */
export function plan(
  options: DeployOptions,
  pkg: Package,
  layer?: { package: LayerPackage; action: LayerAction },
): string[] {
  const steps: string[] = [];
  if (layer !== undefined) steps.push(layerStep(layer.package, layer.action));
  const target = options.endpointUrl ??
    `AWS Lambda in ${options.region ?? "the default region"}`;
  steps.push(
    `deploy ${pkg.path} (${formatSize(pkg.zipped)} zipped, ${
      formatSize(pkg.unzipped)
    } unzipped) as ${options.name} (${options.architecture}) to ${target}`,
  );
  if (pkg.zipped > DIRECT_UPLOAD_LIMIT) {
    steps.push(
      options.bucket
        ? `upload it to s3://${options.bucket}/${
          s3Key(options.name, pkg.sha256)
        } (over the 50 MB direct upload limit)`
        : "refuse: over the 50 MB direct upload limit without --bucket",
    );
  }
  if (options.role === undefined && options.createRole) {
    steps.push(
      `find or create the role ${options.name}-role (AWSLambdaBasicExecutionRole)`,
    );
  }
  const settings = [
    options.memory && `memory ${options.memory} MB`,
    options.timeout && `timeout ${options.timeout} s`,
    options.environment &&
    `${Object.keys(options.environment).length} variables`,
    options.role && `role ${options.role}`,
    options.layers && `${options.layers.length} layers`,
    options.durableConfig &&
    `durable ${describeDurableConfig(options.durableConfig)}`,
  ].filter(Boolean);
  steps.push(
    `create the function (runtime ${options.runtime}, handler ${options.handler}${
      settings.length ? `, ${settings.join(", ")}` : ""
    }), or update its code${
      settings.length ? " and then its configuration" : ""
    } when it exists`,
  );
  if (options.durableConfig) steps.push(..._durable(options));
  steps.push("wait until it is Active and its last update Successful");
  if (options.url) {
    steps.push(
      `give it a function URL (auth ${options.url}${
        options.url === "NONE" ? ", public" : ""
      })`,
    );
  }
  if (options.publish) steps.push("publish a version");
  if (options.alias) {
    steps.push(`point the alias ${options.alias} at that version`);
  }
  return steps;
}

/** Layer mode's step: publish the layer, or reuse the version with the same content. */
export function layerStep(layer: LayerPackage, action: LayerAction): string {
  const what = `${layer.pkg.path} (${formatSize(layer.pkg.zipped)} zipped, ${
    formatSize(layer.pkg.unzipped)
  } unzipped, sha256 ${layer.sha256Hex.slice(0, 16)}…)`;
  return action.kind === "publish"
    ? `publish the layer ${what} as a new version of ${layer.name}, then attach it`
    : `reuse the layer ${action.arn} (version ${action.version}, the same content as ${what}), and attach it`;
}

/** What `--durable-config` adds: the role's policy, and the refusal of a function that is not durable. */
function _durable(options: DeployOptions): string[] {
  const role = options.role
    ? `the role ${roleName(options.role)}`
    : options.createRole
    ? `the role ${options.name}-role`
    : "the function's role";
  return [
    options.endpointUrl === undefined
      ? `attach ${DURABLE_EXECUTION_POLICY} to ${role} (lambda:CheckpointDurableExecution, lambda:GetDurableExecutionState)`
      : `leave ${role} as it is (with --endpoint-url no IAM policy is attached)`,
    "refuse an existing function that is not durable (AWS makes a function durable only when it is created)",
  ];
}
