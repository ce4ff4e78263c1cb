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
  type FunctionConfiguration,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  type LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import type { IAMClient } from "npm:@aws-sdk/client-iam@3.1169.0";
import {
  PutObjectCommand,
  type S3Client,
} from "npm:@aws-sdk/client-s3@3.1175.0";
import { DeployError, explain } from "./errors.ts";
import type { DeployOptions } from "./options.ts";
import { DIRECT_UPLOAD_LIMIT, type Package, s3Key } from "./package.ts";
import { ensureRole } from "./role.ts";
import { attachDurablePolicy } from "./durable.ts";
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
  const run = _context(options, clients, io);
  const code = await _code(options, pkg, clients, run.step);
  const existing = await _existing(run);
  if (existing !== undefined) _refuseNotDurable(run, existing.Configuration);
  const role = existing === undefined ? await _role(run, clients) : {
    arn: options.role ?? existing.Configuration?.Role ?? "",
    created: false,
  };
  await _durableRole(run, clients, role.arn);
  const { configuration, ...done } = existing === undefined
    ? await _create(run, code, role)
    : await _update(run, code, existing);
  const result: DeployResult = {
    ...done,
    codeSha256: configuration.CodeSha256,
    codeSize: configuration.CodeSize,
  };
  await _extras(run, result, configuration.CodeSha256);
  return result;
}

/** What every step of one deploy shares. */
interface _Run {
  readonly options: DeployOptions;
  readonly name: string;
  readonly lambda: LambdaClient;
  readonly sleep: Sleep;
  readonly progress: (line: string) => void;
  /** Runs one labelled step, its AWS error explained. */
  readonly step: _Step;
  /** Waits until the function is ready, as a step. */
  readonly ready: (label: string) => Promise<FunctionConfiguration>;
}

function _context(
  options: DeployOptions,
  clients: DeployClients,
  io: { progress: (line: string) => void; sleep: Sleep },
): _Run {
  const { name } = options;
  let region: string | undefined;
  const step: _Step = async (label, run) => {
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
  return {
    options,
    name,
    lambda,
    sleep: io.sleep,
    progress: io.progress,
    step,
    ready: (label) =>
      step(
        label,
        () => waitUntilReady(lambda, name, { attempts, sleep: io.sleep }),
      ),
  };
}

/** The function as it is, or `undefined` when it does not exist yet. */
function _existing(run: _Run) {
  return run.step(`GetFunction ${run.name}`, async () => {
    try {
      return await run.lambda.send(
        new GetFunctionCommand({ FunctionName: run.name }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === "ResourceNotFoundException") {
        return undefined;
      }
      throw error;
    }
  });
}

/** The role a new function gets: `--role`, or one made with `--create-role`. */
async function _role(
  run: _Run,
  clients: DeployClients,
): Promise<{ arn: string; created: boolean }> {
  const { options, name } = run;
  if (options.role !== undefined) return { arn: options.role, created: false };
  if (!options.createRole) {
    throw new DeployError(
      `${name} does not exist yet, and creating it needs an execution role`,
      "Pass --role arn:aws:iam::<account>:role/<name>, or --create-role to create one that may write logs.",
    );
  }
  const found = await run.step(
    `CreateRole ${name}-role`,
    () => ensureRole(clients.iam(), `${name}-role`),
  );
  run.progress(`  role ${found.arn}${found.created ? " (created)" : ""}`);
  return found;
}

/** `--durable-config` on a function created without it: AWS cannot make it durable, so nothing is changed. */
function _refuseNotDurable(
  run: _Run,
  current: FunctionConfiguration | undefined,
): void {
  if (run.options.durableConfig === undefined) return;
  if (current?.DurableConfig !== undefined) return;
  throw new DeployError(
    `${run.name} exists and is not durable: AWS makes a function durable only when it is created, so --durable-config cannot be applied to it`,
    `Deploy under a new --name, or delete ${run.name} (aws lambda delete-function --function-name ${run.name}) and deploy again with --durable-config.`,
  );
}

/** A durable function's role gets the managed policy that lets it checkpoint (not through --endpoint-url: no IAM there). */
async function _durableRole(
  run: _Run,
  clients: DeployClients,
  roleArn: string,
): Promise<void> {
  const { options } = run;
  if (options.durableConfig === undefined || options.endpointUrl) return;
  if (roleArn === "") return;
  const warning = await run.step(
    `AttachRolePolicy ${roleArn}`,
    () => attachDurablePolicy(clients.iam(), roleArn),
  );
  if (warning) run.progress(`  warning: ${warning}`);
}

/** The settings given on the command line, as Lambda names them. */
function _settings(options: DeployOptions) {
  return {
    ...(options.durableConfig === undefined
      ? {}
      : { DurableConfig: options.durableConfig }),
    ...(options.memory === undefined ? {} : { MemorySize: options.memory }),
    ...(options.timeout === undefined ? {} : { Timeout: options.timeout }),
    ...(options.environment === undefined
      ? {}
      : { Environment: { Variables: options.environment } }),
    ...(options.layers === undefined ? {} : { Layers: options.layers }),
    ...(options.role === undefined ? {} : { Role: options.role }),
  };
}

interface _Done {
  action: "created" | "updated";
  arn: string;
  configuration: FunctionConfiguration;
}

async function _create(
  run: _Run,
  code: FunctionCode,
  role: { arn: string; created: boolean },
): Promise<_Done> {
  const { options, name } = run;
  const created = await run.step(`CreateFunction ${name}`, () =>
    _retryRole(
      () =>
        run.lambda.send(
          new CreateFunctionCommand({
            FunctionName: name,
            Role: role.arn,
            Runtime: options.runtime as "provided.al2023",
            Handler: options.handler,
            Architectures: [options.architecture],
            Code: code,
            ..._settings(options),
          }),
        ),
      run.sleep,
      role.created ? 6 : 1,
    ));
  return {
    action: "created",
    arn: created.FunctionArn!,
    configuration: await run.ready("waiting until Active"),
  };
}

async function _update(
  run: _Run,
  code: FunctionCode,
  existing: { Configuration?: FunctionConfiguration },
): Promise<_Done> {
  const { options, name } = run;
  const current = existing.Configuration;
  // A deploy or console change in flight would refuse the update: waited for only when there is one.
  if (_busy(current)) await run.ready("waiting for an update in progress");
  // Layer mode: the Deno layer goes on before code that needs it (the old code has its own Deno, and runs either way).
  if (options.layerMode && !_hasLayers(current, options.layers ?? [])) {
    await run.step(
      `UpdateFunctionConfiguration ${name} (layers first)`,
      () =>
        _retryConflict(
          () =>
            run.lambda.send(
              new UpdateFunctionConfigurationCommand({
                FunctionName: name,
                Layers: options.layers,
              }),
            ),
          run.sleep,
        ),
    );
    await run.ready("waiting until the layers are attached");
  }
  await run.step(`UpdateFunctionCode ${name}`, () =>
    _retryConflict(
      () =>
        run.lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: name,
            Architectures: [options.architecture],
            ...code,
          }),
        ),
      run.sleep,
    ));
  let configuration = await run.ready("waiting until the code is updated");
  const changes = {
    ..._settings(options),
    ...(options.runtime === current?.Runtime
      ? {}
      : { Runtime: options.runtime as "provided.al2023" }),
    ...(options.handler === current?.Handler
      ? {}
      : { Handler: options.handler }),
  };
  if (Object.keys(changes).length > 0) {
    await run.step(`UpdateFunctionConfiguration ${name}`, () =>
      _retryConflict(
        () =>
          run.lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: name,
              ...changes,
            }),
          ),
        run.sleep,
      ));
    configuration = await run.ready(
      "waiting until the configuration is updated",
    );
  }
  return { action: "updated", arn: current!.FunctionArn!, configuration };
}

/** The URL, the version and the alias, as asked. */
async function _extras(
  run: _Run,
  result: DeployResult,
  codeSha256: string | undefined,
): Promise<void> {
  const { options, name, lambda } = run;
  if (options.url) {
    result.url = await run.step(
      `CreateFunctionUrlConfig ${name}`,
      () => _url(lambda, name, options.url!),
    );
  }
  if (options.publish) {
    const published = await run.step(
      `PublishVersion ${name}`,
      () =>
        _retryConflict(
          () =>
            lambda.send(
              new PublishVersionCommand({
                FunctionName: name,
                CodeSha256: codeSha256,
              }),
            ),
          run.sleep,
        ),
    );
    result.version = published.Version;
  }
  if (options.alias && result.version) {
    result.aliasArn = await run.step(
      `CreateAlias ${options.alias}`,
      () => _alias(lambda, name, options.alias!, result.version!),
    );
  }
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

/** Whether the function has every one of `layers` attached already. */
function _hasLayers(
  configuration: FunctionConfiguration | undefined,
  layers: readonly string[],
): boolean {
  return layers.every((arn) =>
    configuration?.Layers?.some((layer) => layer.Arn === arn)
  );
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
      // Most updates end within a second: poll soon, then every 2 s.
      await sleep(Math.min(2000, 250 * 2 ** (attempt - 1)));
    }
  }
}
