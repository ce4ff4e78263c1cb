/**
 * `--durable-config`: the function's `DurableConfig` (Lambda API
 * 2025-12-01), parsed and checked against Lambda's limits, and the managed
 * policy that lets its role checkpoint.
 *
 * @module
 */

import {
  AttachRolePolicyCommand,
  type IAMClient,
} from "npm:@aws-sdk/client-iam@3.1169.0";
import { DeployError } from "./errors.ts";

/** `DurableConfig` as CreateFunction and UpdateFunctionConfiguration take it. */
export interface DurableConfig {
  /** Seconds an execution may run, 1 to 31622400 (366 days). */
  ExecutionTimeout?: number;
  /** Days the history is kept after an execution closes, 1 to 90. */
  RetentionPeriodInDays?: number;
}

/** The managed policy AWS documents for a durable function's role: CloudWatch Logs, CheckpointDurableExecution, GetDurableExecutionState. */
export const DURABLE_EXECUTION_POLICY =
  "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy";

/** Lambda's limits on each key (the API reference's DurableConfig). */
const _LIMITS: Record<keyof DurableConfig, [number, number]> = {
  ExecutionTimeout: [1, 31622400],
  RetentionPeriodInDays: [1, 90],
};

const _FORMAT =
  "Write it as the AWS CLI does: --durable-config ExecutionTimeout=3600,RetentionPeriodInDays=30 (or the same as JSON); ExecutionTimeout is seconds (1 to 31622400), RetentionPeriodInDays days (1 to 90).";

/** Parses `ExecutionTimeout=N,RetentionPeriodInDays=M` (or the same as JSON); throws a `DeployError` naming the fix. */
export function parseDurableConfig(text: string): DurableConfig {
  const pairs = _pairs(text.trim());
  if (pairs.length === 0) {
    throw new DeployError("--durable-config is empty", _FORMAT);
  }
  const config: DurableConfig = {};
  for (const [key, raw] of pairs) {
    if (!(key in _LIMITS)) {
      throw new DeployError(
        `--durable-config has no key "${key}"`,
        `The keys are ${Object.keys(_LIMITS).join(" and ")}. ${_FORMAT}`,
      );
    }
    const [min, max] = _LIMITS[key as keyof DurableConfig];
    const value = Number(raw);
    if (
      String(raw).trim() === "" || !Number.isInteger(value) || value < min ||
      value > max
    ) {
      throw new DeployError(
        `--durable-config ${key} must be a whole number from ${min} to ${max}, got "${raw}"`,
        _FORMAT,
      );
    }
    config[key as keyof DurableConfig] = value;
  }
  return config;
}

function _pairs(text: string): [string, unknown][] {
  if (text.startsWith("{")) {
    try {
      return Object.entries(JSON.parse(text));
    } catch (error) {
      throw new DeployError(
        `--durable-config is not valid JSON: ${(error as Error).message}`,
        _FORMAT,
      );
    }
  }
  return text.split(",").filter((part) => part.trim() !== "").map((part) => {
    const at = part.indexOf("=");
    if (at <= 0) {
      throw new DeployError(
        `--durable-config takes KEY=VALUE pairs, got "${part}"`,
        _FORMAT,
      );
    }
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
  });
}

/** `DurableConfig` in words, for the plan. */
export function describeDurableConfig(config: DurableConfig): string {
  return Object.entries(config).map(([key, value]) => `${key}=${value}`).join(
    ",",
  );
}

/** The role's name in its ARN (`arn:aws:iam::<account>:role/<path/>name`). */
export function roleName(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1);
}

/**
 * Attaches {@linkcode DURABLE_EXECUTION_POLICY} to the role (attaching it
 * twice changes nothing), as the Lambda console does for a durable function.
 * Credentials that may not attach it leave the role as it is: returns the
 * warning to print, since a role granted these permissions some other way
 * still works.
 */
export async function attachDurablePolicy(
  iam: IAMClient,
  roleArn: string,
): Promise<string | undefined> {
  try {
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: roleName(roleArn),
        PolicyArn: DURABLE_EXECUTION_POLICY,
      }),
    );
    return undefined;
  } catch (error) {
    const name = (error as { name?: string }).name ?? "";
    if (!/AccessDenied/.test(name)) throw error;
    return `could not attach ${DURABLE_EXECUTION_POLICY} to ${roleArn} (${name}): make sure the role allows lambda:CheckpointDurableExecution and lambda:GetDurableExecutionState on the function's executions (arn:aws:lambda:<region>:<account>:function:<name>:*)`;
  }
}
