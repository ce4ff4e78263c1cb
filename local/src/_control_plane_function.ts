// A deployed function as the control plane keeps it, and the pure steps on it: its configuration as
// Lambda answers it, versions, aliases, settings from a request body.
import type { DeployedFunction, Runner } from "./deployed_function.ts";
import {
  decodeBase64,
  invalidParameter,
  notFound,
  timestamp,
} from "./_control_plane_api.ts";

/** A published version: its configuration as answered, and what it runs. */
export interface VersionRecord {
  version: string;
  configuration: Record<string, unknown>;
  /** The code and configuration it runs. */
  deployed: DeployedFunction;
  /** What PublishVersion compares to tell whether anything changed. */
  key: string;
  /** Its own function process, started at its first invocation. */
  runner: Promise<Runner> | undefined;
}

/** A deployed function: $LATEST's settings and state, its versions, aliases and URLs. */
export interface FunctionRecord {
  name: string;
  arn: string;
  role: string;
  runtime: string;
  handler: string;
  description: string;
  timeout: number;
  memory: number;
  environment: Record<string, string>;
  architecture: string;
  layers: string[];
  dir: string | undefined;
  codeSize: number;
  codeSha256: string;
  lastModified: Date;
  revision: string;
  state: "Pending" | "Active" | "Failed";
  stateReason: string | undefined;
  update: "InProgress" | "Successful" | "Failed" | undefined;
  updateReason: string | undefined;
  runner: Runner | undefined;
  busy: Promise<void> | undefined;
  versions: VersionRecord[];
  /** The last version number given. */
  serial: number;
  aliases: Map<string, Record<string, unknown>>;
  /** Function URL configs by qualifier: `""` for the unqualified one, else an alias. */
  urls: Map<string, Record<string, unknown>>;
  policy: Map<string, Record<string, unknown>>;
}

/** The configuration GetFunctionConfiguration answers for $LATEST. */
export function configurationOf(fn: FunctionRecord): Record<string, unknown> {
  return {
    FunctionName: fn.name,
    FunctionArn: fn.arn,
    Runtime: fn.runtime,
    Role: fn.role,
    Handler: fn.handler,
    CodeSize: fn.codeSize,
    Description: fn.description,
    Timeout: fn.timeout,
    MemorySize: fn.memory,
    LastModified: timestamp(fn.lastModified),
    CodeSha256: fn.codeSha256,
    Version: "$LATEST",
    Environment: { Variables: fn.environment },
    TracingConfig: { Mode: "PassThrough" },
    RevisionId: fn.revision,
    Layers: fn.layers.map((arn) => ({ Arn: arn, CodeSize: 0 })),
    State: fn.state,
    ...(fn.stateReason === undefined ? {} : {
      StateReason: fn.stateReason,
      StateReasonCode: fn.state === "Pending" ? "Creating" : "InternalError",
    }),
    ...(fn.update === undefined ? {} : { LastUpdateStatus: fn.update }),
    ...(fn.updateReason === undefined ? {} : {
      LastUpdateStatusReason: fn.updateReason,
      LastUpdateStatusReasonCode: fn.update === "InProgress"
        ? "Creating"
        : "InternalError",
    }),
    PackageType: "Zip",
    Architectures: [fn.architecture],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${fn.name}` },
  };
}

export function deployedOf(fn: FunctionRecord): DeployedFunction {
  return {
    name: fn.name,
    arn: fn.arn,
    version: "$LATEST",
    dir: fn.dir!,
    handler: fn.handler,
    timeout: fn.timeout,
    memory: fn.memory,
    environment: { ...fn.environment },
    architecture: fn.architecture,
  };
}

/** The configuration a qualifier names ($LATEST's, a version's, an alias's version's), and that version. */
export function qualified(
  fn: FunctionRecord,
  qualifier: string | undefined,
): { configuration: Record<string, unknown>; version?: VersionRecord } {
  const alias = qualifier === undefined ? undefined : fn.aliases.get(qualifier);
  const version = alias === undefined ? qualifier : alias.FunctionVersion;
  if (version === undefined || version === "$LATEST") {
    return { configuration: configurationOf(fn) };
  }
  const found = fn.versions.find((v) => v.version === version);
  if (found === undefined) throw notFound(`${fn.arn}:${qualifier}`);
  return { configuration: found.configuration, version: found };
}

/** What a version is made of: when none of it changed, PublishVersion answers the last version. */
export function publishKey(fn: FunctionRecord): string {
  return JSON.stringify([
    fn.codeSha256,
    fn.handler,
    fn.runtime,
    fn.role,
    fn.timeout,
    fn.memory,
    fn.environment,
    fn.architecture,
    fn.layers,
  ]);
}

/** A version's runner once started; `undefined` when it never started or failed to. */
export async function started(
  runner: Promise<Runner> | undefined,
): Promise<Runner | undefined> {
  return await runner?.catch(() => undefined);
}

export function setAlias(
  fn: FunctionRecord,
  alias: string,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const weights = (body.RoutingConfig as
    | { AdditionalVersionWeights?: Record<string, number> }
    | undefined)?.AdditionalVersionWeights;
  if (weights !== undefined && Object.keys(weights).length > 0) {
    throw invalidParameter(
      "The local control plane routes an alias to one version: leave out RoutingConfig's AdditionalVersionWeights",
    );
  }
  const previous = fn.aliases.get(alias);
  const version = stringOf(body.FunctionVersion) ??
    String(previous?.FunctionVersion ?? "");
  if (
    version !== "$LATEST" && !fn.versions.some((v) => v.version === version)
  ) {
    throw notFound(`${fn.arn}:${version}`);
  }
  const record = {
    AliasArn: `${fn.arn}:${alias}`,
    Name: alias,
    FunctionVersion: version,
    Description: stringOf(body.Description) ?? previous?.Description ?? "",
    RevisionId: crypto.randomUUID(),
  };
  fn.aliases.set(alias, record);
  return record;
}

/** Applies the configuration fields of a Create or UpdateFunctionConfiguration body. */
export function configure(
  fn: FunctionRecord,
  body: Record<string, unknown>,
): void {
  if (body.Timeout !== undefined) {
    const timeout = Number(body.Timeout);
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900) {
      throw invalidParameter("Timeout must be a whole number from 1 to 900");
    }
    fn.timeout = timeout;
  }
  if (body.MemorySize !== undefined) {
    const memory = Number(body.MemorySize);
    if (!Number.isInteger(memory) || memory < 128 || memory > 10240) {
      throw invalidParameter(
        "MemorySize must be a whole number from 128 to 10240",
      );
    }
    fn.memory = memory;
  }
  const environment = body.Environment as { Variables?: unknown } | undefined;
  if (environment !== undefined) {
    const variables = environment?.Variables ?? {};
    if (typeof variables !== "object" || variables === null) {
      throw invalidParameter("Environment.Variables must be a map");
    }
    fn.environment = Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [key, String(value)]),
    );
  }
  if (Array.isArray(body.Architectures) && body.Architectures.length) {
    fn.architecture = String(body.Architectures[0]);
  }
  if (Array.isArray(body.Layers)) fn.layers = body.Layers.map(String);
  if (typeof body.Handler === "string") fn.handler = body.Handler;
  if (typeof body.Runtime === "string") fn.runtime = body.Runtime;
  if (typeof body.Description === "string") fn.description = body.Description;
}

export function inlineZip(code: Record<string, unknown>): Uint8Array {
  const zipFile = code.ZipFile;
  if (typeof zipFile !== "string") {
    throw invalidParameter(
      "The code is missing: give ZipFile (the zip, base64) or S3Bucket and S3Key",
    );
  }
  return decodeBase64(zipFile);
}

export function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export async function removeDir(dir: string): Promise<void> {
  try {
    await Deno.remove(dir, { recursive: true });
  } catch {
    // Already gone.
  }
}
