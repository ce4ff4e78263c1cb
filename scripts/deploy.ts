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
 * deno task build --layer && deno task deploy --name echo --layer-mode   # uploads function.zip only
 * ```
 *
 * @module
 */

import { LambdaClient } from "npm:@aws-sdk/client-lambda@3.1164.0";
import { IAMClient } from "npm:@aws-sdk/client-iam@3.1169.0";
import { S3Client } from "npm:@aws-sdk/client-s3@3.1175.0";
import { deploy, type DeployClients } from "./deploy/deploy.ts";
import { DeployError, explain } from "./deploy/errors.ts";
import {
  findLayer,
  type LayerAction,
  type LayerPackage,
  publishLayer,
  readLayer,
} from "./deploy/layer.ts";
import {
  type DeployOptions,
  parseDeployArgs,
  USAGE,
} from "./deploy/options.ts";
import {
  DIRECT_UPLOAD_LIMIT,
  formatSize,
  type Package,
  readPackage,
} from "./deploy/package.ts";
import { plan } from "./deploy/plan.ts";
import { sleep } from "./deploy/wait.ts";
import { invokeCommand } from "./deploy/invoke_hint.ts";

/** Runs the deploy command line; resolves with the exit code. */
export async function main(args: string[]): Promise<number> {
  try {
    const options = await parseDeployArgs(args);
    if (options === "help") {
      console.log(USAGE);
      return 0;
    }
    const pkg = await readPackage(options.zip);
    const layer = options.layerMode
      ? await readLayer(options.layerZip, pkg)
      : undefined;
    const s3Endpoint = _s3Endpoint(options, pkg);
    const clients = _clients(options, s3Endpoint);
    try {
      const action = layer && await _findLayer(options, layer, clients);
      const steps = plan(
        options,
        pkg,
        layer && action && { package: layer, action },
      );
      console.error(
        `${
          !options.dryRun
            ? "Plan"
            : layer
            ? "Plan (dry run: only ListLayerVersions is called)"
            : "Plan (dry run, nothing is called)"
        }:\n${steps.map((line, i) => `  ${i + 1}. ${line}`).join("\n")}`,
      );
      if (options.dryRun) return 0;
      const attached = layer && action &&
        await _attachLayer(options, layer, action, clients);
      const result = await deploy(
        attached ? { ...options, layers: attached.layers } : options,
        pkg,
        clients,
        { progress: (line) => console.error(line), sleep },
      );
      const lines = [
        `${options.name} ${result.action}`,
        `  arn       ${result.arn}`,
        attached && `  layer     ${attached.layers[0]} (${attached.how})`,
        result.version && `  version   ${result.version}`,
        result.aliasArn && `  alias     ${result.aliasArn}`,
        result.url && `  url       ${result.url}`,
        `  zipped    ${formatSize(pkg.zipped)} (CodeSize ${result.codeSize})`,
        `  unzipped  ${formatSize(pkg.unzipped)}`,
        `  sha256    ${result.codeSha256}`,
        `Invoke it: ${
          invokeCommand(options.name, options.endpointUrl || undefined)
        }`,
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

/** Whether the layer's content is published already (ListLayerVersions, read-only: also in a dry run). */
async function _findLayer(
  options: DeployOptions,
  layer: LayerPackage,
  clients: ReturnType<typeof _clients>,
): Promise<LayerAction> {
  try {
    return await findLayer(clients.lambda(), layer);
  } catch (error) {
    const region = await clients.region().catch(() => undefined);
    throw explain(error, {
      step: "ListLayerVersions",
      name: options.name,
      region,
    });
  }
}

/** Publishes the layer when its content is new; the layers to attach, the Deno layer first. */
async function _attachLayer(
  options: DeployOptions,
  layer: LayerPackage,
  action: LayerAction,
  clients: ReturnType<typeof _clients>,
): Promise<{ layers: string[]; how: string }> {
  let arn: string;
  let how: string;
  if (action.kind === "reuse") {
    ({ arn } = action);
    how = "reused: the same content was published before";
  } else {
    console.error(`PublishLayerVersion ${layer.name}…`);
    try {
      ({ arn } = await publishLayer(
        clients.lambda(),
        layer,
        options.architecture,
      ));
    } catch (error) {
      if (error instanceof DeployError) throw error;
      const region = await clients.region().catch(() => undefined);
      throw explain(error, {
        step: "PublishLayerVersion",
        name: options.name,
        region,
      });
    }
    how = `published, ${formatSize(layer.pkg.zipped)}`;
  }
  return { layers: [arn, ...(options.layers ?? [])], how };
}

/**
 * Where `--bucket` uploads: `--s3-endpoint-url`, else `AWS_ENDPOINT_URL_S3`
 * (which the SDK reads itself), else AWS; never `--endpoint-url`, which names
 * Lambda's endpoint (a local control plane serves no S3).
 */
function _s3Endpoint(
  options: DeployOptions,
  pkg: Package,
): { url?: string; custom: boolean } {
  if (options.s3EndpointUrl !== undefined) {
    return { url: options.s3EndpointUrl, custom: true };
  }
  if (Deno.env.get("AWS_ENDPOINT_URL_S3")) return { custom: true };
  const throughS3 = pkg.zipped > DIRECT_UPLOAD_LIMIT &&
    options.bucket !== undefined;
  if (throughS3 && options.endpointUrl !== undefined) {
    throw new DeployError(
      `--bucket with --endpoint-url ${options.endpointUrl} needs an S3 endpoint for the upload`,
      "Pass --s3-endpoint-url URL (a local S3 such as s3rver, or the same URL when it serves S3 too), or set AWS_ENDPOINT_URL_S3.",
    );
  }
  return { custom: false };
}

function _clients(
  options: DeployOptions,
  s3Endpoint: { url?: string; custom: boolean },
): DeployClients & { destroy(): void } {
  const common = {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  };
  const config = {
    ...common,
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
    s3: () =>
      s3 ??= new S3Client({
        ...common,
        ...(s3Endpoint.url === undefined ? {} : { endpoint: s3Endpoint.url }),
        // A local S3 answers on its own host, not on a bucket's subdomain.
        ...(s3Endpoint.custom ? { forcePathStyle: true } : {}),
      }),
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
