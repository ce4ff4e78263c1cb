/**
 * `--create-role`: an execution role that lets the function write its logs.
 *
 * @module
 */

import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  type IAMClient,
} from "npm:@aws-sdk/client-iam@3.1169.0";

/** The trust policy that lets Lambda assume the role. */
export const TRUST_POLICY: string = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{
    Effect: "Allow",
    Principal: { Service: "lambda.amazonaws.com" },
    Action: "sts:AssumeRole",
  }],
});

/** The managed policy for CloudWatch Logs. */
export const BASIC_EXECUTION =
  "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

/** The role's ARN: an existing `roleName`, or one created with the trust policy and basic execution. */
export async function ensureRole(
  iam: IAMClient,
  roleName: string,
): Promise<{ arn: string; created: boolean }> {
  try {
    const found = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    if (found.Role?.Arn) return { arn: found.Role.Arn, created: false };
  } catch (error) {
    if ((error as { name?: string }).name !== "NoSuchEntityException") {
      throw error;
    }
  }
  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: TRUST_POLICY,
      Description: "Execution role created by deno task deploy",
    }),
  );
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: roleName,
      PolicyArn: BASIC_EXECUTION,
    }),
  );
  return { arn: created.Role!.Arn!, created: true };
}
