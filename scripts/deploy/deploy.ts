/**
 * The deploy's steps: create or update the function from the zip, wait
 * until it is ready, then the URL, the version and the alias.
 *
 * @module
 */

import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  type FunctionCode,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  type LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
} from "@aws-sdk/client-lambda";
import type { IAMClient } from "@aws-sdk/client-iam";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { DeployError, explain } from "./errors.ts";
import type { DeployOptions } from "./options.ts";
import { DIRECT_UPLOAD_LIMIT, type Package, s3Key } from "./package.ts";
import { ensureRole } from "./role.ts";
import { type Sleep, waitUntilReady } from "./wait.ts";

/** The clients, made on demand so that a deploy needing no IAM or S3 builds none. */
export interface DeployClients {
  /** The Lambda client. */
  lambda(): LambdaClient;
  /** The IAM client, for `--create-role`. */
  iam(): IAMClient;
  /** The S3 client, for `--bucket`. */
  s3(): S3Client;
  /** The region the clients resolved. */
  region(): Promise<string | undefined>;
}

/** What a deploy did. */
export interface DeployResult {
  /** Created or updated. */
  action: "created" | "updated";
  /** The function's ARN. */
  arn: string;
  /** The published version, with `--publish`. */
  version?: string;
  /** The alias's ARN, with `--alias`. */
  aliasArn?: string;
  /** The function URL, with `--url`. */
  url?: string;
  /** Lambda's `CodeSha256`. */
  codeSha256?: string;
  /** Lambda's `CodeSize`. */
  codeSize?: number;
}

/** Runs the deploy; every AWS error comes out as a `DeployError` that says what to do. */
export async function deploy(
  options: DeployOptions,
  pkg: Package,
  clients: DeployClients,
  io: { progress: (line: string) => void; sleep: Sleep },
): Promise<DeployResult> {
  const { name } = options;
  let region: string | undefined;
  const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    io.progress(`${label}…`);
    try {
      return await run();
    } catch (error) {
      region ??= await clients.region().catch(() => undefined);
      throw explain(error, { step: label.split(" ")[0], name, region });
    }
  };
  const lambda = clients.lambda();
  const attempts = Math.max(1, Math.ceil(options.waitSeconds));
  const ready = (label: string) =>
    step(
      label,
      () => waitUntilReady(lambda, name, { attempts, sleep: io.sleep }),
    );

  const code = await _code(options, pkg, clients, step);
  const existing = await step(`GetFunction ${name}`, async () => {
    try {
      return await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    } catch (error) {
      if ((error as { name?: string }).name === "ResourceNotFoundException") {
        return undefined;
      }
      throw error;
    }
  });
  let role = options.role;
  let roleIsNew = false;
  if (role === undefined && existing === undefined) {
    if (!options.createRole) {
      throw new DeployError(
        `${name} does not exist yet, and creating it needs an execution role`,
        "Pass --role arn:aws:iam::<account>:role/<name>, or --create-role to create one that may write logs.",
      );
    }
    const found = await step(
      `CreateRole ${name}-role`,
      () => ensureRole(clients.iam(), `${name}-role`),
    );
    role = found.arn;
    roleIsNew = found.created;
    io.progress(`  role ${role}${found.created ? " (created)" : ""}`);
  }
  const settings = {
    ...(options.memory === undefined ? {} : { MemorySize: options.memory }),
    ...(options.timeout === undefined ? {} : { Timeout: options.timeout }),
    ...(options.environment === undefined
      ? {}
      : { Environment: { Variables: options.environment } }),
    ...(options.layers === undefined ? {} : { Layers: options.layers }),
    ...(options.role === undefined ? {} : { Role: options.role }),
  };
  let action: "created" | "updated";
  let arn: string;
  let configuration;
  if (existing === undefined) {
    action = "created";
    const created = await step(`CreateFunction ${name}`, () =>
      _retryRole(
        () =>
          lambda.send(
            new CreateFunctionCommand({
              FunctionName: name,
              Role: role,
              Runtime: options.runtime as "provided.al2023",
              Handler: options.handler,
              Architectures: [options.architecture],
              Code: code,
              ...settings,
            }),
          ),
        io.sleep,
        roleIsNew ? 6 : 1,
      ));
    arn = created.FunctionArn!;
    configuration = await ready("waiting until Active");
  } else {
    action = "updated";
    arn = existing.Configuration!.FunctionArn!;
    // A deploy or console change in flight would refuse the update: waited for only when there is one.
    if (_busy(existing.Configuration)) {
      await ready("waiting for an update in progress");
    }
    await step(`UpdateFunctionCode ${name}`, () =>
      _retryConflict(
        () =>
          lambda.send(
            new UpdateFunctionCodeCommand({
              FunctionName: name,
              Architectures: [options.architecture],
              ...code,
            }),
          ),
        io.sleep,
      ));
    configuration = await ready("waiting until the code is updated");
    const changes = {
      ...settings,
      ...(options.runtime === existing.Configuration?.Runtime
        ? {}
        : { Runtime: options.runtime as "provided.al2023" }),
      ...(options.handler === existing.Configuration?.Handler
        ? {}
        : { Handler: options.handler }),
    };
    if (Object.keys(changes).length > 0) {
      await step(`UpdateFunctionConfiguration ${name}`, () =>
        _retryConflict(
          () =>
            lambda.send(
              new UpdateFunctionConfigurationCommand({
                FunctionName: name,
                ...changes,
              }),
            ),
          io.sleep,
        ));
      configuration = await ready("waiting until the configuration is updated");
    }
  }
  const result: DeployResult = {
    action,
    arn,
    codeSha256: configuration.CodeSha256,
    codeSize: configuration.CodeSize,
  };
  if (options.url) {
    result.url = await step(
      `CreateFunctionUrlConfig ${name}`,
      () => _url(lambda, name, options.url!),
    );
  }
  if (options.publish) {
    const published = await step(`PublishVersion ${name}`, () =>
      _retryConflict(
        () =>
          lambda.send(
            new PublishVersionCommand({
              FunctionName: name,
              CodeSha256: configuration.CodeSha256,
            }),
          ),
        io.sleep,
      ));
    result.version = published.Version;
  }
  if (options.alias && result.version) {
    result.aliasArn = await step(
      `CreateAlias ${options.alias}`,
      () => _alias(lambda, name, options.alias!, result.version!),
    );
  }
  return result;
}

type _Step = <T>(label: string, run: () => Promise<T>) => Promise<T>;

/** The code: the zip inline, or through S3 when it is over the direct upload limit. */
async function _code(
  options: DeployOptions,
  pkg: Package,
  clients: DeployClients,
  step: _Step,
): Promise<FunctionCode> {
  if (pkg.zipped <= DIRECT_UPLOAD_LIMIT) return { ZipFile: pkg.bytes };
  if (options.bucket === undefined) {
    throw new DeployError(
      `${pkg.path} is ${pkg.zipped} bytes, over the 50 MB limit for a direct upload`,
      "Pass --bucket NAME (a bucket in the function's region) to upload it through S3.",
    );
  }
  const key = s3Key(options.name, pkg.sha256);
  await step(`PutObject s3://${options.bucket}/${key}`, () =>
    clients.s3().send(
      new PutObjectCommand({
        Bucket: options.bucket,
        Key: key,
        Body: pkg.bytes,
      }),
    ));
  return { S3Bucket: options.bucket, S3Key: key };
}

async function _url(
  lambda: LambdaClient,
  name: string,
  auth: "NONE" | "AWS_IAM",
): Promise<string> {
  let url: string | undefined;
  try {
    url = (await lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: name,
        AuthType: auth,
      }),
    )).FunctionUrl;
  } catch (error) {
    if ((error as { name?: string }).name !== "ResourceConflictException") {
      throw error;
    }
    const found = await lambda.send(
      new GetFunctionUrlConfigCommand({ FunctionName: name }),
    );
    url = found.FunctionUrl;
    if (found.AuthType !== auth) {
      await lambda.send(
        new UpdateFunctionUrlConfigCommand({
          FunctionName: name,
          AuthType: auth,
        }),
      );
    }
  }
  if (auth === "NONE") {
    // A public URL answers 403 until its resource policy lets anyone call it.
    try {
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: name,
          StatementId: "FunctionURLAllowPublicAccess",
          Action: "lambda:InvokeFunctionUrl",
          Principal: "*",
          FunctionUrlAuthType: "NONE",
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== "ResourceConflictException") {
        throw error;
      }
    }
  }
  return url!;
}

async function _alias(
  lambda: LambdaClient,
  name: string,
  alias: string,
  version: string,
): Promise<string> {
  try {
    await lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias }));
  } catch (error) {
    if ((error as { name?: string }).name !== "ResourceNotFoundException") {
      throw error;
    }
    return (await lambda.send(
      new CreateAliasCommand({
        FunctionName: name,
        Name: alias,
        FunctionVersion: version,
      }),
    )).AliasArn!;
  }
  return (await lambda.send(
    new UpdateAliasCommand({
      FunctionName: name,
      Name: alias,
      FunctionVersion: version,
    }),
  )).AliasArn!;
}

/** A role created moments ago is refused for about 10 s: try again a few times. */
async function _retryRole<T>(
  run: () => Promise<T>,
  sleep: Sleep,
  attempts: number,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await run();
    } catch (error) {
      const refused = (error as { name?: string }).name ===
          "InvalidParameterValueException" &&
        /cannot be assumed/i.test((error as Error).message);
      if (!refused || attempt >= attempts) throw error;
      await sleep(3000);
    }
  }
}

/** Whether a function's last change is still being applied (a create pending, an update in progress). */
function _busy(
  configuration: { State?: string; LastUpdateStatus?: string } | undefined,
): boolean {
  return configuration?.State === "Pending" ||
    configuration?.LastUpdateStatus === "InProgress";
}

/** An update in progress (another deploy, the console) ends soon: try again. */
async function _retryConflict<T>(
  run: () => Promise<T>,
  sleep: Sleep,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (
        (error as { name?: string }).name !== "ResourceConflictException" ||
        attempt >= 10
      ) throw error;
      await sleep(2000);
    }
  }
}
