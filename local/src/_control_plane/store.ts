// The control plane's typed store: its functions, each with its settings, lifecycle, versions, aliases,
// URL configs and policy; and the views Lambda answers of them.
import type { OutputSink } from "../function_process.ts";
import type { DeployedFunction, Runner } from "../deployed_function.ts";
import { notFound } from "./errors.ts";
import { type Phase, statusFields } from "./lifecycle.ts";
import type { Settings } from "./validation.ts";
import type { LayerRecord, LayerVersionRecord } from "./layer_store.ts";
import type { DurableEngine } from "../durable/engine.ts";
import { parseFunctionName, timestamp } from "./wire.ts";

/** A published version: its configuration as answered, and what it runs. */
export interface VersionRecord {
  readonly version: string;
  readonly configuration: Record<string, unknown>;
  /** The code and configuration it runs. */
  readonly deployed: DeployedFunction;
  /** What PublishVersion compares to tell whether anything changed. */
  readonly key: string;
  /** Its own function process, started at its first invocation. */
  runner: Promise<Runner> | undefined;
}

/** An alias as GetAlias answers it. */
export interface AliasRecord {
  AliasArn: string;
  Name: string;
  FunctionVersion: string;
  Description: string;
  RevisionId: string;
}

/** A function URL config as GetFunctionUrlConfig answers it. */
export interface UrlRecord {
  FunctionUrl: string;
  FunctionArn: string;
  AuthType: string;
  Cors: unknown;
  CreationTime: string;
  LastModifiedTime: string;
  InvokeMode: string;
}

/** A deployed function: $LATEST's settings and lifecycle, its versions, aliases and URLs. */
export interface FunctionRecord {
  readonly name: string;
  readonly arn: string;
  settings: Settings;
  dir: string | undefined;
  codeSize: number;
  codeSha256: string;
  lastModified: Date;
  revision: string;
  phase: Phase;
  /** The update or creation in progress, until it ends. */
  work: Promise<void> | undefined;
  runner: Runner | undefined;
  /** Former $LATEST processes, ended once their invocations in flight have answered. */
  retiring: Set<Runner>;
  versions: VersionRecord[];
  /** The last version number given. */
  serial: number;
  aliases: Map<string, AliasRecord>;
  /** Function URL configs by qualifier: `""` for the unqualified one, else an alias. */
  urls: Map<string, UrlRecord>;
  policy: Map<string, Record<string, unknown>>;
  /** What its code inflates to, counted with its layers' against Lambda's 250 MB. */
  unzipped?: number;
  /** Its layers as resolved at the last create or update. */
  layers?: readonly LayerVersionRecord[];
  /** The folder its layers make its /opt, once unpacked. */
  opt?: string;
}

/** What the plane was given: names, how functions run, where code comes from. */
export interface PlaneSettings {
  readonly region: string;
  readonly account: string;
  readonly start: (fn: DeployedFunction) => Promise<Runner>;
  readonly functionUrl: (name: string) => string;
  readonly now: () => number;
  readonly log: (line: string) => void;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly s3Endpoint?: string;
  readonly output?: OutputSink;
  /** The durable engine: durable functions' executions, their checkpoints and history. */
  readonly durable?: DurableEngine;
}

/** The functions of one control plane, and where their code is unpacked. */
export class Store {
  /** The functions by name. */
  readonly functions: Map<string, FunctionRecord> = new Map();
  /** The layers by name. */
  readonly layers: Map<string, LayerRecord> = new Map();
  /** What the plane was given. */
  readonly settings: PlaneSettings;
  /** Marks the durable engine's own invocations (`x-rtl-durable-invocation`): passed on to the function as they are. */
  readonly secret: string = crypto.randomUUID();
  #root: Promise<string> | undefined;
  #serial = 0;

  /** Creates an empty store. */
  constructor(settings: PlaneSettings) {
    this.settings = settings;
  }

  /** The unqualified ARN of `name`. */
  arn(name: string): string {
    const { region, account } = this.settings;
    return `arn:aws:lambda:${region}:${account}:function:${name}`;
  }

  /** The function a path segment names, and its qualifier; a `ResourceNotFoundException` when there is none. */
  find(
    segment: string,
    query: URLSearchParams,
  ): { fn: FunctionRecord; qualifier: string | undefined } {
    const { name, qualifier } = parseFunctionName(segment, query);
    const fn = this.functions.get(name);
    if (fn === undefined) throw notFound(this.arn(name));
    return { fn, qualifier };
  }

  /** A new folder for a function's code, under the plane's temporary root. */
  async newCodeDir(name: string): Promise<string> {
    this.#root ??= Deno.makeTempDir({ prefix: "rtl-lambda-control-plane-" });
    return `${await this.#root}/${name}-${++this.#serial}`;
  }

  /** Removes the temporary root and everything in it. */
  async removeRoot(): Promise<void> {
    if (this.#root !== undefined) await removeDir(await this.#root);
  }
}

/** The configuration GetFunctionConfiguration answers for $LATEST. */
export function configurationOf(fn: FunctionRecord): Record<string, unknown> {
  const s = fn.settings;
  return {
    FunctionName: fn.name,
    FunctionArn: fn.arn,
    Runtime: s.runtime,
    Role: s.role,
    Handler: s.handler,
    CodeSize: fn.codeSize,
    Description: s.description,
    Timeout: s.timeout,
    MemorySize: s.memory,
    LastModified: timestamp(fn.lastModified),
    CodeSha256: fn.codeSha256,
    Version: "$LATEST",
    Environment: { Variables: { ...s.environment } },
    TracingConfig: { Mode: "PassThrough" },
    RevisionId: fn.revision,
    Layers: s.layers.map((arn, i) => ({
      Arn: arn,
      CodeSize: fn.layers?.[i]?.codeSize ?? 0,
    })),
    ...statusFields(fn.phase),
    PackageType: "Zip",
    Architectures: [s.architecture],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${fn.name}` },
    ...(s.durable === undefined ? {} : { DurableConfig: { ...s.durable } }),
  };
}

/** What $LATEST runs. */
export function deployedOf(fn: FunctionRecord): DeployedFunction {
  const s = fn.settings;
  return {
    name: fn.name,
    arn: fn.arn,
    version: "$LATEST",
    dir: fn.dir!,
    handler: s.handler,
    timeout: s.timeout,
    memory: s.memory,
    environment: { ...s.environment },
    architecture: s.architecture,
    ...(fn.opt === undefined ? {} : { opt: fn.opt }),
    durable: s.durable !== undefined,
  };
}

/** The version a qualifier names: `$LATEST`, a number, or an alias's version. */
export function versionOf(
  fn: FunctionRecord,
  qualifier: string | undefined,
): string {
  const alias = qualifier === undefined ? undefined : fn.aliases.get(qualifier);
  return alias?.FunctionVersion ?? qualifier ?? "$LATEST";
}

/** The configuration a qualifier names ($LATEST's, a version's, an alias's version's), and that version. */
export function qualified(
  fn: FunctionRecord,
  qualifier: string | undefined,
): { configuration: Record<string, unknown>; version?: VersionRecord } {
  const version = versionOf(fn, qualifier);
  if (version === "$LATEST") return { configuration: configurationOf(fn) };
  const found = fn.versions.find((v) => v.version === version);
  if (found === undefined) throw notFound(`${fn.arn}:${qualifier}`);
  return { configuration: found.configuration, version: found };
}

/** What a version is made of: when none of it changed, PublishVersion answers the last version. */
export function publishKey(fn: FunctionRecord): string {
  const s = fn.settings;
  return JSON.stringify([
    fn.codeSha256,
    s.handler,
    s.runtime,
    s.role,
    s.timeout,
    s.memory,
    s.environment,
    s.architecture,
    s.layers,
    s.durable,
  ]);
}

/** A version's runner once started; `undefined` when it never started or failed to. */
export async function started(
  runner: Promise<Runner> | undefined,
): Promise<Runner | undefined> {
  return await runner?.catch(() => undefined);
}

/** Removes a folder and what it holds; nothing when it is gone already. */
export async function removeDir(dir: string): Promise<void> {
  try {
    await Deno.remove(dir, { recursive: true });
  } catch {
    // Already gone.
  }
}
