/**
 * The deploy's command line, parsed and checked.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parseEnv } from "node:util";
import { DeployError } from "./errors.ts";
import { exists as pathExists } from "../_exists.ts";
import { type DurableConfig, parseDurableConfig } from "./durable.ts";

/** What to deploy and how. */
export interface DeployOptions {
  /** The function's name. */
  name: string;
  /** The zip to upload. */
  zip: string;
  /** `x86_64` or `arm64`. */
  architecture: "x86_64" | "arm64";
  /** The runtime; `provided.al2023` by default. */
  runtime: string;
  /** The handler; `bootstrap` by default. */
  handler: string;
  /** The memory size in MB, when given. */
  memory?: number;
  /** The timeout in seconds, when given. */
  timeout?: number;
  /** The variables, when given (a file, or `--env`). */
  environment?: Record<string, string>;
  /** The role's ARN, when given. */
  role?: string;
  /** `DurableConfig`, when given: a durable function (set at create; changed on update of one). */
  durableConfig?: DurableConfig;
  /** Create a role named `<name>-role` when the function has none. */
  createRole: boolean;
  /** Layer ARNs, when given. */
  layers?: string[];
  /** Layer mode: publish (or reuse) the Deno layer `layerZip`, attach it, upload only the function zip. */
  layerMode: boolean;
  /** The layer zip of layer mode; `layer.zip` beside the function zip by default. */
  layerZip: string;
  /** A function URL with this auth type, when asked. */
  url?: "NONE" | "AWS_IAM";
  /** Publish a version. */
  publish: boolean;
  /** Point this alias at the published version. */
  alias?: string;
  /** An S3 bucket for zips over the direct upload limit. */
  bucket?: string;
  /** The region, when given (else the standard chain's). */
  region?: string;
  /** The profile, when given (else the standard chain's). */
  profile?: string;
  /** Another endpoint for Lambda and IAM (a local control plane), and for S3 unless `s3EndpointUrl` is given. */
  endpointUrl?: string;
  /** Another endpoint for S3 (a local S3 for `--bucket`); `AWS_ENDPOINT_URL_S3` when absent. */
  s3EndpointUrl?: string;
  /** Print the plan without calling AWS. */
  dryRun: boolean;
  /** How long to wait for the function to be ready, in seconds. */
  waitSeconds: number;
}

/** The usage text. */
export const USAGE: string =
  `Deploys a built zip to AWS Lambda: creates or updates the function and waits until it is ready.

Usage: deno task deploy --name NAME [options]

  --name NAME          the function's name (required)
  --zip FILE           the zip (default dist/<architecture>/function.zip, else dist/function.zip)
  --architecture A     arm64 or x86_64 (default: the zip's build folder's, else arm64)
  --memory MB          memory size (128 to 10240)
  --timeout S          timeout in seconds (1 to 900)
  --env-file FILE      the function's variables from a dotenv file (replaces them all)
  --env KEY=VALUE      a variable (repeatable; added to --env-file's)
  --role ARN           the execution role (needed to create the function)
  --create-role        create <name>-role with AWSLambdaBasicExecutionRole when no --role
  --durable-config C   a durable function: ExecutionTimeout=S,RetentionPeriodInDays=D
                       (set when it is created; AWS cannot make an existing function
                       durable); its role gets AWSLambdaBasicDurableExecutionRolePolicy
  --layer ARN          a layer (repeatable; replaces the function's layers)
  --layer-mode         for a build made with --layer: publish its layer.zip (the Deno
                       binary) once per content, reusing a version with the same
                       SHA-256, attach it first, and upload only function.zip
  --layer-zip FILE     the layer of --layer-mode (default: layer.zip beside --zip)
  --runtime R          default provided.al2023
  --handler H          default bootstrap
  --url                give the function a URL (public: --url-auth AWS_IAM to require signing)
  --url-auth A         NONE (default) or AWS_IAM
  --publish            publish a version
  --alias NAME         publish a version and point this alias at it
  --bucket NAME        upload through this S3 bucket (needed for zips over 50 MB)
  --region R           the region (default: AWS_REGION or the profile's)
  --profile P          the AWS profile (default: AWS_PROFILE or default)
  --endpoint-url URL   send Lambda's (and IAM's) requests there (e.g. the emulator's
                       --control-plane)
  --s3-endpoint-url URL  send the S3 upload of --bucket there instead (a local S3;
                       default AWS_ENDPOINT_URL_S3)
  --wait S             how long to wait for the function to be ready (default 300)
  --dry-run            print the plan, call nothing (with --layer-mode, only
                       ListLayerVersions, to say whether the layer is published or reused)
  --help               this text
`;

/** Parses `args`; throws a `DeployError` for a wrong one. */
export async function parseDeployArgs(
  args: string[],
  readTextFile: (path: string) => Promise<string> = Deno.readTextFile,
  exists: (path: string) => Promise<boolean> = pathExists,
): Promise<DeployOptions | "help"> {
  const values = _parse(args);
  if (values.help) return "help";
  if (values.name === undefined) {
    throw new DeployError(
      "Name the function: --name NAME",
      "The name is the function's on AWS: created when missing, updated when it exists.",
    );
  }
  // Unsaid, the architecture is the build folder's (dist/x64/…), else arm64.
  const architecture = _architecture(
    values.architecture ??
      (/(^|\/)(x64|x86_64)\//.test(values.zip ?? "") ? "x86_64" : "arm64"),
  );
  const auth = _urlAuth(values["url-auth"]);
  const zip = values.zip ?? await _defaultZip(architecture, exists);
  return {
    name: values.name,
    zip,
    architecture,
    runtime: values.runtime,
    handler: values.handler,
    memory: _number("memory", values.memory, 128, 10240),
    timeout: _number("timeout", values.timeout, 1, 900),
    environment: await _environment(values, readTextFile),
    role: values.role,
    durableConfig: values["durable-config"] === undefined
      ? undefined
      : parseDurableConfig(values["durable-config"]),
    createRole: values["create-role"],
    layers: values.layer,
    layerMode: values["layer-mode"],
    layerZip: values["layer-zip"] ??
      `${
        zip.includes("/") ? zip.slice(0, zip.lastIndexOf("/")) : "."
      }/layer.zip`,
    url: values.url ? auth : undefined,
    publish: values.publish || values.alias !== undefined,
    alias: values.alias,
    bucket: values.bucket,
    region: values.region,
    profile: values.profile,
    endpointUrl: values["endpoint-url"],
    s3EndpointUrl: values["s3-endpoint-url"],
    dryRun: values["dry-run"],
    waitSeconds: _number("wait", values.wait, 1, 3600)!,
  };
}

function _parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        name: { type: "string" },
        zip: { type: "string" },
        architecture: { type: "string" },
        memory: { type: "string" },
        timeout: { type: "string" },
        "env-file": { type: "string" },
        env: { type: "string", multiple: true, default: [] },
        role: { type: "string" },
        "create-role": { type: "boolean", default: false },
        "durable-config": { type: "string" },
        layer: { type: "string", multiple: true },
        "layer-mode": { type: "boolean", default: false },
        "layer-zip": { type: "string" },
        runtime: { type: "string", default: "provided.al2023" },
        handler: { type: "string", default: "bootstrap" },
        url: { type: "boolean", default: false },
        "url-auth": { type: "string", default: "NONE" },
        publish: { type: "boolean", default: false },
        alias: { type: "string" },
        bucket: { type: "string" },
        region: { type: "string" },
        profile: { type: "string" },
        "endpoint-url": { type: "string" },
        "s3-endpoint-url": { type: "string" },
        wait: { type: "string", default: "300" },
        "dry-run": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    throw new DeployError(
      error instanceof Error ? error.message : String(error),
      "Run deno task deploy --help for the options.",
    );
  }
}

/** The build's zip for `architecture`, else the one-target build's. */
async function _defaultZip(
  architecture: "x86_64" | "arm64",
  exists: (path: string) => Promise<boolean>,
): Promise<string> {
  const zip = `dist/${architecture === "arm64" ? "arm64" : "x64"}/function.zip`;
  if (!await exists(zip) && await exists("dist/function.zip")) {
    return "dist/function.zip";
  }
  return zip;
}

/** The variables of --env-file, then --env; `undefined` when neither is given. */
async function _environment(
  values: { "env-file"?: string; env: string[] },
  readTextFile: (path: string) => Promise<string>,
): Promise<Record<string, string> | undefined> {
  let environment: Record<string, string> | undefined;
  if (values["env-file"] !== undefined) {
    try {
      environment = {
        ...parseEnv(await readTextFile(values["env-file"])),
      } as Record<string, string>;
    } catch (error) {
      throw new DeployError(
        `Cannot read --env-file ${values["env-file"]}: ${
          error instanceof Error ? error.message : String(error)
        }`,
        "Give a dotenv file: KEY=VALUE lines.",
      );
    }
  }
  for (const pair of values.env) {
    const at = pair.indexOf("=");
    if (at <= 0) {
      throw new DeployError(`--env takes KEY=VALUE, got "${pair}"`, USAGE);
    }
    environment ??= {};
    environment[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return environment;
}

function _urlAuth(given: string): "NONE" | "AWS_IAM" {
  const auth = given.toUpperCase();
  if (auth !== "NONE" && auth !== "AWS_IAM") {
    throw new DeployError(
      `--url-auth is NONE or AWS_IAM, got "${given}"`,
      "NONE makes the URL public; AWS_IAM needs signed requests.",
    );
  }
  return auth;
}

function _architecture(value: string): "x86_64" | "arm64" {
  if (["arm64", "aarch64"].includes(value)) return "arm64";
  if (["x86_64", "x64", "amd64"].includes(value)) return "x86_64";
  throw new DeployError(
    `--architecture is arm64 or x86_64, got "${value}"`,
    "Deploy the architecture you built: dist/arm64 or dist/x64.",
  );
}

function _number(
  key: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DeployError(
      `--${key} must be a whole number from ${min} to ${max}, got "${text}"`,
      "Lambda's limits.",
    );
  }
  return value;
}
