// An invocation span's attributes, by OpenTelemetry's FaaS and cloud conventions.
import type { Context } from "../core/context.ts";
import type { LambdaEnvironment } from "../core/environment.ts";
import type { AttributeValue } from "./_deno.ts";
import type { FaasTrigger } from "./_trigger.ts";

/**
 * `faas.*` and `cloud.*` for one invocation. `faas.max_memory` is in bytes,
 * as the conventions say; the account is the ARN's fifth field.
 */
export function invocationAttributes(
  environment: LambdaEnvironment,
  context: Context,
  facts: { readonly trigger: FaasTrigger; readonly coldStart: boolean },
): Record<string, AttributeValue> {
  const arn = context.invokedFunctionArn;
  const account = arn.split(":")[4];
  return {
    "faas.trigger": facts.trigger,
    "faas.invocation_id": context.awsRequestId,
    "faas.coldstart": facts.coldStart,
    "faas.name": environment.functionName || context.functionName,
    "faas.version": environment.functionVersion,
    "faas.max_memory": environment.memorySizeMB * 1024 * 1024,
    "cloud.provider": "aws",
    "cloud.platform": "aws_lambda",
    ...(environment.region !== "" && { "cloud.region": environment.region }),
    ...(account && { "cloud.account.id": account }),
    ...(arn !== "" && {
      "cloud.resource_id": arn,
      "aws.lambda.invoked_arn": arn,
    }),
  };
}
