/**
 * `deno task deploy`: creates or updates a Lambda function from the built
 * zip with the AWS SDK, waits until it is ready, and optionally gives it a
 * URL, a published version and an alias. Credentials and region come from
 * the standard chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws, SSO, …).
 *
 * ```sh
 * deno task build
 * deno task deploy --name echo --role arn:aws:iam::123456789012:role/echo --url
 * deno task deploy --name echo --dry-run
 * ```
 *
 * @module
 */

import { LambdaClient } from "@aws-sdk/client-lambda";
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { deploy, type DeployClients } from "./deploy/deploy.ts";
import { DeployError } from "./deploy/errors.ts";
import {
  type DeployOptions,
  parseDeployArgs,
  USAGE,
} from "./deploy/options.ts";
import { formatSize, readPackage } from "./deploy/package.ts";
import { plan } from "./deploy/plan.ts";
import { sleep } from "./deploy/wait.ts";

/** Runs the deploy command line; resolves with the exit code. */
export async function main(args: string[]): Promise<number> {
  try {
    const options = await parseDeployArgs(args);
    if (options === "help") {
      console.log(USAGE);
      return 0;
    }
    const pkg = await readPackage(options.zip);
    const steps = plan(options, pkg);
    console.error(
      `${options.dryRun ? "Plan (dry run, nothing is called)" : "Plan"}:\n${
        steps.map((line, i) => `  ${i + 1}. ${line}`).join("\n")
      }`,
    );
    if (options.dryRun) return 0;
    const clients = _clients(options);
    try {
      const result = await deploy(options, pkg, clients, {
        progress: (line) => console.error(line),
        sleep,
      });
      const lines = [
        `${options.name} ${result.action}`,
        `  arn       ${result.arn}`,
        result.version && `  version   ${result.version}`,
        result.aliasArn && `  alias     ${result.aliasArn}`,
        result.url && `  url       ${result.url}`,
        `  zipped    ${formatSize(pkg.zipped)} (CodeSize ${result.codeSize})`,
        `  unzipped  ${formatSize(pkg.unzipped)}`,
        `  sha256    ${result.codeSha256}`,
        `Invoke it: aws lambda invoke --function-name ${options.name}${
          options.endpointUrl ? ` --endpoint-url ${options.endpointUrl}` : ""
        } --payload '{}' --cli-binary-format raw-in-base64-out out.json`,
      ];
      console.log(lines.filter(Boolean).join("\n"));
    } finally {
      clients.destroy();
    }
    return 0;
  } catch (error) {
    if (error instanceof DeployError) {
      console.error(`error: ${error.message}\n  what to do: ${error.hint}`);
      return 1;
    }
    throw error;
  }
}

function _clients(options: DeployOptions): DeployClients & { destroy(): void } {
  const config = {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.endpointUrl === undefined
      ? {}
      : { endpoint: options.endpointUrl }),
  };
  let lambda: LambdaClient | undefined;
  let iam: IAMClient | undefined;
  let s3: S3Client | undefined;
  return {
    lambda: () => lambda ??= new LambdaClient(config),
    iam: () => iam ??= new IAMClient(config),
    s3: () => s3 ??= new S3Client(config),
    region: async () =>
      await (lambda ??= new LambdaClient(config)).config.region(),
    destroy() {
      lambda?.destroy();
      iam?.destroy();
      s3?.destroy();
    },
  };
}

if (import.meta.main) Deno.exit(await main(Deno.args));
