/**
 * A local Lambda control plane: the part of the Lambda API a deploy uses
 * (CreateFunction, UpdateFunctionCode, UpdateFunctionConfiguration,
 * GetFunction, GetFunctionConfiguration, CreateFunctionUrlConfig,
 * PublishVersion, aliases, DeleteFunction). It unzips the code it receives
 * (inline, or from a local S3) and runs each function under an emulator of
 * its own, and each published version under another; invocations of a
 * deployed name are passed to the one its qualifier names. The Lambda API's
 * own requests are not signature-checked, nor are requests to S3 signed: it is
 * meant for loopback. A function URL with `AuthType: AWS_IAM` checks each
 * request's Signature Version 4 against the credentials it is given.
 *
 * @module
 */

import type { OutputSink } from "./function_process.ts";
import type { DeployedFunction, Runner } from "./deployed_function.ts";
import {
  configurationOf,
  configure,
  deployedOf,
  type FunctionRecord,
  inlineZip,
  publishKey,
  qualified,
  removeDir,
  setAlias,
  started,
  stringOf,
} from "./_control_plane_function.ts";
import { startEmulator } from "./emulator.ts";
import {
  type ForwardedUrlRequest,
  forwardInvocation,
  forwardRequest,
} from "./_forward.ts";
import { SignatureRefusedError, verifySignature } from "./_sigv4.ts";
import { InvalidZipError, unpackZip, validateZip } from "../zip.ts";
import {
  readS3Code,
  REQUEST_LIMIT,
  requestTooLarge,
  s3Location,
  UNZIPPED_LIMIT,
} from "./_s3_code.ts";
import {
  errorResponse,
  invalidParameter,
  jsonResponse,
  LambdaApiError,
  notFound,
  parseFunctionName,
  readJson,
  sha256Base64,
  timestamp,
  updateInProgress,
} from "./_control_plane_api.ts";

export type { DeployedFunction, Runner } from "./deployed_function.ts";

/**
 * How the control plane runs what it receives, and how it names things.
 *
 * @example
 * ```ts
 * import type { ControlPlaneOptions } from "@rtl/lambda-local";
 *
 * const options: ControlPlaneOptions = { region: "eu-west-1" };
 * ```
 */
export interface ControlPlaneOptions {
  /** Starts a deployed function; by default an emulator on a free port runs `<dir>/bootstrap`. */
  start?: (fn: DeployedFunction) => Promise<Runner>;
  /** The region in ARNs and `AWS_REGION`; `us-east-1` when absent. */
  region?: string;
  /** The account in ARNs; `123456789012` when absent. */
  accountId?: string;
  /** The URL a function URL config reports for a name (`name:alias` for an alias's URL); `http://127.0.0.1:9000/lambda-url/<name>/` when absent. */
  functionUrl?: (name: string) => string;
  /** Receives the lines of the functions the default `start` runs, and the control plane's own (why a function URL refused a request, as `platform`); stderr when absent. */
  output?: OutputSink;
  /**
   * The key pair an `AWS_IAM` function URL checks signatures against: the
   * emulator's `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, read by its
   * caller. Such a URL refuses every request when absent.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The clock a signature's date is checked against, in milliseconds since the epoch; `Date.now` when absent. */
  now?: () => number;
  /**
   * The local S3 that code given as `S3Bucket`/`S3Key` is read from, with an
   * unsigned path-style GET (`<url>/<bucket>/<key>`); such code is refused
   * when absent.
   */
  s3Endpoint?: string;
}

/**
 * The control plane: mount `handle` in an HTTP server (it answers
 * `undefined` for paths that are not its own) and close it to stop every
 * deployed function and delete their code.
 *
 * @example
 * ```ts ignore
 * import { createControlPlane } from "@rtl/lambda-local";
 *
 * await using plane = createControlPlane();
 * Deno.serve({ port: 9000 }, async (request) =>
 *   await plane.handle(request) ?? new Response("Not found", { status: 404 }));
 * ```
 */
export interface ControlPlane extends AsyncDisposable {
  /** Answers a Lambda API request, or `undefined` when the path is not one it serves. */
  handle(request: Request): Promise<Response | undefined>;
  /** The names of the deployed functions. */
  names(): string[];
  /** Stops every deployed function and removes their unzipped code. */
  close(): Promise<void>;
}

const _FUNCTIONS = /^\/2015-03-31\/functions\/?$/;
const _LAMBDA_URL = /^\/lambda-url\/([^/]+)(?:\/.*)?$/;
const _FUNCTION =
  /^\/(2015-03-31|2021-10-31|2021-11-15)\/functions\/([^/]+)(?:\/([a-z-]+)(?:\/([^/]+))?)?\/?$/;

/**
 * Creates a control plane. Deployed functions run under emulators of their
 * own (one process each), started when their code arrives.
 *
 * @example
 * ```ts ignore
 * import { createControlPlane } from "@rtl/lambda-local";
 *
 * await using plane = createControlPlane({ region: "eu-west-1" });
 * await using server = Deno.serve({ port: 0 }, async (request) =>
 *   await plane.handle(request) ?? new Response(null, { status: 404 }));
 * ```
 */
export function createControlPlane(
  options: ControlPlaneOptions = {},
): ControlPlane {
  const region = options.region ?? "us-east-1";
  const account = options.accountId ?? "123456789012";
  const start = options.start ??
    ((fn: DeployedFunction) => _startEmulated(fn, region, options.output));
  const functionUrl = options.functionUrl ??
    ((name: string) => `http://127.0.0.1:9000/lambda-url/${name}/`);
  const now = options.now ?? Date.now;
  const log = (line: string) =>
    options.output === undefined
      ? console.error(line)
      : options.output(line, "platform");
  const functions = new Map<string, FunctionRecord>();
  let root: Promise<string> | undefined;
  let serial = 0;
  let closed = false;

  function find(segment: string, query: URLSearchParams) {
    const { name, qualifier } = parseFunctionName(segment, query);
    const fn = functions.get(name);
    if (fn === undefined) {
      throw notFound(`arn:aws:lambda:${region}:${account}:function:${name}`);
    }
    return { fn, qualifier };
  }

  function idle(fn: FunctionRecord): void {
    if (fn.busy !== undefined) throw updateInProgress(fn.arn);
  }

  /** The zip of a `Code` (or UpdateFunctionCode) body: inline, or read from the local S3; checked against Lambda's limits. */
  async function code(source: unknown): Promise<Uint8Array> {
    const body =
      (typeof source === "object" && source !== null ? source : {}) as Record<
        string,
        unknown
      >;
    const location = s3Location(body);
    if (location !== undefined && body.ZipFile !== undefined) {
      throw invalidParameter(
        "Give the code as ZipFile or as S3Bucket and S3Key, not both",
      );
    }
    const zip = location === undefined
      ? inlineZip(body)
      : await readS3Code(options.s3Endpoint, location);
    try {
      await validateZip(zip, { limit: UNZIPPED_LIMIT });
    } catch (error) {
      if (!(error instanceof InvalidZipError)) throw error;
      throw invalidParameter(error.lambdaMessage);
    }
    return zip;
  }

  /** Removes a code folder that neither $LATEST nor a version runs any more. */
  async function removeUnused(
    fn: FunctionRecord,
    dir: string | undefined,
  ): Promise<void> {
    if (
      dir === undefined || dir === fn.dir ||
      fn.versions.some((v) => v.deployed.dir === dir)
    ) return;
    await removeDir(dir);
  }

  /** Ends every process of a function and removes its code. */
  async function stop(fn: FunctionRecord): Promise<void> {
    await fn.busy;
    const versions = fn.versions;
    fn.versions = [];
    await Promise.all([
      fn.runner?.close(),
      ...versions.map(async (v) => (await started(v.runner))?.close()),
    ]);
    const dirs = new Set([fn.dir, ...versions.map((v) => v.deployed.dir)]);
    for (const dir of dirs) if (dir !== undefined) await removeDir(dir);
  }

  /** Where an invocation of `qualifier` runs: $LATEST's process, or a version's own (started on first use). */
  async function target(
    fn: FunctionRecord,
    qualifier: string | undefined,
  ): Promise<{ runner: Runner; version: string }> {
    const alias = qualifier === undefined
      ? undefined
      : fn.aliases.get(qualifier);
    const version = alias === undefined
      ? qualifier ?? "$LATEST"
      : String(alias.FunctionVersion);
    if (version === "$LATEST") {
      const runner = fn.runner;
      if (runner === undefined || fn.state !== "Active") {
        throw new LambdaApiError(
          409,
          "ResourceConflictException",
          `The operation cannot be performed at this time. The function is currently in the following state: ${fn.state}`,
        );
      }
      return { runner, version };
    }
    const published = fn.versions.find((v) => v.version === version);
    if (published === undefined) throw notFound(`${fn.arn}:${qualifier}`);
    published.runner ??= start(published.deployed);
    try {
      return { runner: await published.runner, version };
    } catch (error) {
      published.runner = undefined;
      throw new LambdaApiError(
        500,
        "ServiceException",
        `Version ${version} of ${fn.name} could not start: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }

  /** Unpacks new code (when given) and restarts the function on it, in the background. */
  function restart(fn: FunctionRecord, zip: Uint8Array | undefined): void {
    fn.revision = crypto.randomUUID();
    fn.lastModified = new Date();
    const work = (async () => {
      try {
        const oldDir = fn.dir;
        if (zip !== undefined) {
          root ??= Deno.makeTempDir({ prefix: "rtl-lambda-control-plane-" });
          const dir = `${await root}/${fn.name}-${++serial}`;
          await unpackZip(zip, dir);
          fn.dir = dir;
        }
        const previous = fn.runner;
        fn.runner = await start(deployedOf(fn));
        await previous?.close();
        if (oldDir !== fn.dir) await removeUnused(fn, oldDir);
        if (fn.state === "Pending") fn.state = "Active";
        fn.stateReason = undefined;
        fn.update = "Successful";
        fn.updateReason = undefined;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (fn.state === "Pending") {
          fn.state = "Failed";
          fn.stateReason = message;
        }
        fn.update = "Failed";
        fn.updateReason = message;
      } finally {
        fn.busy = undefined;
      }
    })();
    fn.busy = work;
  }

  async function create(request: Request): Promise<Response> {
    const body = await readJson(request, {
      bytes: REQUEST_LIMIT,
      error: () => requestTooLarge("CreateFunction"),
    });
    const name = stringOf(body.FunctionName);
    if (name === undefined || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw invalidParameter(
        "FunctionName must be 1 to 64 letters, digits, hyphens or underscores",
      );
    }
    const exists = () =>
      new LambdaApiError(
        409,
        "ResourceConflictException",
        `Function already exist: ${name}`,
      );
    if (functions.has(name)) throw exists();
    const role = stringOf(body.Role) ?? "";
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(role)) {
      throw invalidParameter(
        "The role defined for the function cannot be assumed by Lambda.",
      );
    }
    const zip = await code(body.Code);
    // Another CreateFunction may have won while the code was read from S3.
    if (functions.has(name)) throw exists();
    const fn: FunctionRecord = {
      name,
      arn: `arn:aws:lambda:${region}:${account}:function:${name}`,
      role,
      runtime: stringOf(body.Runtime) ?? "provided.al2023",
      handler: stringOf(body.Handler) ?? "bootstrap",
      description: stringOf(body.Description) ?? "",
      timeout: 3,
      memory: 128,
      environment: {},
      architecture: "x86_64",
      layers: [],
      dir: undefined,
      codeSize: zip.byteLength,
      codeSha256: await sha256Base64(zip),
      lastModified: new Date(),
      revision: "",
      state: "Pending",
      stateReason: "The function is being created.",
      update: undefined,
      updateReason: undefined,
      runner: undefined,
      busy: undefined,
      versions: [],
      serial: 0,
      aliases: new Map(),
      urls: new Map(),
      policy: new Map(),
    };
    configure(fn, body);
    functions.set(name, fn);
    restart(fn, zip);
    if (body.Publish === true) {
      await fn.busy;
      publish(fn);
    }
    return jsonResponse(configurationOf(fn), 201);
  }

  /** Snapshots $LATEST's code and configuration as the next version, unless the last one has them already. */
  function publish(
    fn: FunctionRecord,
    body: Record<string, unknown> = {},
  ): Record<string, unknown> {
    const expected = stringOf(body.CodeSha256);
    if (expected !== undefined && expected !== fn.codeSha256) {
      throw invalidParameter(
        `CodeSha256 (${expected}) is different from the CodeSha256 of $LATEST (${fn.codeSha256}): publish the code you uploaded, or leave CodeSha256 out`,
      );
    }
    const key = publishKey(fn);
    const last = fn.versions.at(-1);
    if (last !== undefined && last.key === key) return last.configuration;
    // Numbers are never reused, even after a version is deleted.
    fn.serial += 1;
    const version = String(fn.serial);
    const published = {
      ...configurationOf(fn),
      Version: version,
      FunctionArn: `${fn.arn}:${version}`,
      Description: stringOf(body.Description) ?? fn.description,
      State: "Active",
      LastUpdateStatus: "Successful",
    };
    fn.versions.push({
      version,
      configuration: published,
      deployed: { ...deployedOf(fn), version },
      key,
      runner: undefined,
    });
    return published;
  }

  /** Passes an invocation (buffered, or InvokeWithResponseStream's at `path`) to the process its qualifier names; the answer streams through. */
  async function invoke(
    request: Request,
    fn: FunctionRecord,
    qualifier: string | undefined,
    path: string,
  ): Promise<Response> {
    const { runner, version } = await target(fn, qualifier);
    return await forwardInvocation(request, runner.url, path, version);
  }

  /** A deployed function's URL: the request goes to its emulator's function URL front. */
  async function viaUrl(
    request: Request,
    url: URL,
    segment: string,
  ): Promise<Response | undefined> {
    const { name, qualifier } = parseFunctionName(
      segment,
      new URLSearchParams(),
    );
    const fn = functions.get(name);
    const config = fn?.urls.get(qualifier ?? "");
    if (fn === undefined || config === undefined) return undefined;
    let forwarded: ForwardedUrlRequest = {};
    if (config.AuthType === "AWS_IAM") {
      // Read once: the signature covers the body, and the same bytes go on to the function.
      const body = new Uint8Array(await request.arrayBuffer());
      try {
        const accessKey = await verifySignature(request, {
          credentials: options.credentials,
          region,
          service: "lambda",
          now: now(),
          body,
        });
        forwarded = { body, authorizer: _iamAuthorizer(accessKey, account) };
      } catch (error) {
        if (!(error instanceof SignatureRefusedError)) throw error;
        log(
          `Function URL ${segment} (AWS_IAM) refused ${request.method} ${url.pathname}: ${error.message}`,
        );
        return Response.json({ Message: "Forbidden" }, { status: 403 });
      }
    }
    let runner: Runner;
    try {
      ({ runner } = await target(fn, qualifier));
    } catch {
      return Response.json({ Message: "The function is not active" }, {
        status: 503,
      });
    }
    // The function's emulator serves its URL under its bare name.
    const rest = url.pathname.slice(`/lambda-url/${segment}`.length);
    return await forwardRequest(
      request,
      runner.url,
      `/lambda-url/${encodeURIComponent(fn.name)}${rest}`,
      forwarded,
    );
  }

  /** DeleteFunction with a Qualifier: that version alone, unless an alias points at it. */
  async function deleteVersion(fn: FunctionRecord, qualifier: string) {
    if (qualifier === "$LATEST") {
      throw invalidParameter(
        "$LATEST version cannot be deleted without deleting the function.",
      );
    }
    if (fn.aliases.has(qualifier)) {
      throw invalidParameter(
        `${qualifier} is an alias: delete it with DeleteAlias, or name a version's number`,
      );
    }
    const found = fn.versions.find((v) => v.version === qualifier);
    if (found === undefined) throw notFound(`${fn.arn}:${qualifier}`);
    const referencing = [...fn.aliases.values()]
      .filter((alias) => alias.FunctionVersion === qualifier)
      .map((alias) => alias.Name);
    if (referencing.length > 0) {
      throw new LambdaApiError(
        409,
        "ResourceConflictException",
        `Unable to delete version because the following aliases reference it: [${
          referencing.join(", ")
        }]`,
      );
    }
    fn.versions = fn.versions.filter((v) => v !== found);
    await (await started(found.runner))?.close();
    await removeUnused(fn, found.deployed.dir);
  }

  /** The key of a function URL config: `""` unqualified, else an alias of the function. */
  function urlQualifier(
    fn: FunctionRecord,
    qualifier: string | undefined,
  ): string {
    if (qualifier === undefined || qualifier === "$LATEST") return "";
    if (!fn.aliases.has(qualifier)) {
      throw new LambdaApiError(
        404,
        "ResourceNotFoundException",
        /^\d+$/.test(qualifier)
          ? `A function URL's Qualifier is an alias, not a version number: create an alias for version ${qualifier} and give it the URL`
          : `Alias not found: ${fn.arn}:${qualifier}`,
      );
    }
    return qualifier;
  }

  async function route(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    const method = request.method;
    if (_FUNCTIONS.test(url.pathname)) {
      if (method === "POST") return await create(request);
      if (method === "GET") {
        return jsonResponse({
          Functions: [...functions.values()].map(configurationOf),
        });
      }
      return undefined;
    }
    const front = _LAMBDA_URL.exec(url.pathname);
    if (front !== null) return await viaUrl(request, url, front[1]);
    const match = _FUNCTION.exec(url.pathname);
    if (match === null) return undefined;
    const [, date, segment, part, sub] = match;
    if (date === "2021-10-31" && part !== "url") return undefined;
    const invocation = date === "2021-11-15"
      ? part === "response-streaming-invocations"
      : part === "invocations";
    if (date === "2021-11-15" && !invocation) return undefined;
    if (invocation && method === "POST") {
      const { name } = parseFunctionName(segment, url.searchParams);
      // A name this plane did not deploy is the emulator's own function's.
      if (!functions.has(name)) return undefined;
      const { fn, qualifier } = find(segment, url.searchParams);
      return await invoke(
        request,
        fn,
        qualifier,
        `/${date}/functions/${encodeURIComponent(fn.name)}/${part}`,
      );
    }
    const { fn, qualifier } = find(segment, url.searchParams);
    const key = `${method} ${part ?? ""}${sub === undefined ? "" : "/*"}`;
    switch (key) {
      case "GET ": {
        const found = qualified(fn, qualifier);
        const dir = found.version?.deployed.dir ?? fn.dir ?? "";
        return jsonResponse({
          Configuration: found.configuration,
          Code: { RepositoryType: "S3", Location: `file://${dir}` },
          Tags: {},
        });
      }
      case "GET configuration":
        return jsonResponse(
          qualified(fn, qualifier).configuration,
        );
      case "DELETE ":
        if (qualifier !== undefined) {
          await deleteVersion(fn, qualifier);
          return new Response(null, { status: 204 });
        }
        functions.delete(fn.name);
        await stop(fn);
        return new Response(null, { status: 204 });
      case "PUT code": {
        idle(fn);
        const body = await readJson(request, {
          bytes: REQUEST_LIMIT,
          error: () => requestTooLarge("UpdateFunctionCode"),
        });
        const zip = await code(body);
        idle(fn);
        const architectures = body.Architectures;
        if (Array.isArray(architectures) && architectures.length) {
          fn.architecture = String(architectures[0]);
        }
        fn.codeSize = zip.byteLength;
        fn.codeSha256 = await sha256Base64(zip);
        fn.update = "InProgress";
        restart(fn, zip);
        if (body.Publish === true) {
          await fn.busy;
          return jsonResponse(publish(fn));
        }
        return jsonResponse(configurationOf(fn));
      }
      case "PUT configuration": {
        idle(fn);
        const body = await readJson(request);
        if (body.Role !== undefined) {
          const role = stringOf(body.Role) ?? "";
          if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(role)) {
            throw invalidParameter(
              "The role defined for the function cannot be assumed by Lambda.",
            );
          }
          fn.role = role;
        }
        configure(fn, body);
        fn.update = "InProgress";
        restart(fn, undefined);
        return jsonResponse(configurationOf(fn));
      }
      case "POST versions": {
        idle(fn);
        return jsonResponse(publish(fn, await readJson(request)), 201);
      }
      case "GET versions":
        return jsonResponse({
          Versions: [
            configurationOf(fn),
            ...fn.versions.map((v) => v.configuration),
          ],
        });
      case "GET aliases":
        return jsonResponse({ Aliases: [...fn.aliases.values()] });
      case "POST aliases": {
        const body = await readJson(request);
        const alias = stringOf(body.Name) ?? "";
        if (!/^(?!\d+$)[A-Za-z0-9_-]{1,128}$/.test(alias)) {
          throw invalidParameter(
            "The alias Name must be 1 to 128 letters, digits, hyphens or underscores, and not only digits (those name versions)",
          );
        }
        if (stringOf(body.FunctionVersion) === undefined) {
          throw invalidParameter(
            "CreateAlias needs FunctionVersion: a published version's number, or $LATEST",
          );
        }
        if (fn.aliases.has(alias)) {
          throw new LambdaApiError(
            409,
            "ResourceConflictException",
            `Alias already exists: ${fn.arn}:${alias}`,
          );
        }
        return jsonResponse(setAlias(fn, alias, body), 201);
      }
      case "GET aliases/*":
      case "PUT aliases/*":
      case "DELETE aliases/*": {
        const alias = decodeURIComponent(sub!);
        if (!fn.aliases.has(alias)) {
          throw new LambdaApiError(
            404,
            "ResourceNotFoundException",
            `Alias not found: ${fn.arn}:${alias}`,
          );
        }
        if (method === "GET") return jsonResponse(fn.aliases.get(alias));
        if (method === "DELETE") {
          fn.aliases.delete(alias);
          fn.urls.delete(alias);
          return new Response(null, { status: 204 });
        }
        return jsonResponse(setAlias(fn, alias, await readJson(request)));
      }
      case "POST policy": {
        const body = await readJson(request);
        const id = stringOf(body.StatementId) ?? crypto.randomUUID();
        if (fn.policy.has(id)) {
          throw new LambdaApiError(
            409,
            "ResourceConflictException",
            `The statement id (${id}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
          );
        }
        const statement = {
          Sid: id,
          Effect: "Allow",
          Principal: body.Principal,
          Action: body.Action,
          Resource: fn.arn,
        };
        fn.policy.set(id, statement);
        return jsonResponse({ Statement: JSON.stringify(statement) }, 201);
      }
      case "POST url": {
        const which = urlQualifier(fn, qualifier);
        if (fn.urls.has(which)) {
          throw new LambdaApiError(
            409,
            "ResourceConflictException",
            "Failed to create function url config for [functionArn = " +
              `${fn.arn}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
          );
        }
        const body = await readJson(request);
        const now = timestamp(new Date());
        const config = {
          FunctionUrl: functionUrl(which ? `${fn.name}:${which}` : fn.name),
          FunctionArn: which ? `${fn.arn}:${which}` : fn.arn,
          AuthType: stringOf(body.AuthType) ?? "NONE",
          Cors: body.Cors ?? {},
          CreationTime: now,
          LastModifiedTime: now,
          InvokeMode: stringOf(body.InvokeMode) ?? "BUFFERED",
        };
        fn.urls.set(which, config);
        const { LastModifiedTime: _, ...created } = config;
        return jsonResponse(created, 201);
      }
      case "GET url":
      case "PUT url":
      case "DELETE url": {
        const which = urlQualifier(fn, qualifier);
        const existing = fn.urls.get(which);
        if (existing === undefined) {
          throw new LambdaApiError(
            404,
            "ResourceNotFoundException",
            "The resource you requested does not exist.",
          );
        }
        if (method === "DELETE") {
          fn.urls.delete(which);
          return new Response(null, { status: 204 });
        }
        if (method === "PUT") {
          const body = await readJson(request);
          fn.urls.set(which, {
            ...existing,
            ...(body.AuthType === undefined ? {} : { AuthType: body.AuthType }),
            ...(body.Cors === undefined ? {} : { Cors: body.Cors }),
            ...(body.InvokeMode === undefined
              ? {}
              : { InvokeMode: body.InvokeMode }),
            LastModifiedTime: timestamp(new Date()),
          });
        }
        return jsonResponse(fn.urls.get(which));
      }
    }
    return undefined;
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    const all = [...functions.values()];
    functions.clear();
    await Promise.all(all.map(stop));
    if (root !== undefined) await removeDir(await root);
  }

  return {
    async handle(request) {
      try {
        return await route(request);
      } catch (error) {
        if (error instanceof LambdaApiError) return errorResponse(error);
        throw error;
      }
    },
    names: () => [...functions.keys()],
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * `requestContext.authorizer` of a signed request, as Lambda fills it for an
 * IAM user; what names the user (its id and ARN) is not known locally.
 */
function _iamAuthorizer(
  accessKey: string,
  accountId: string,
): Record<string, unknown> {
  return {
    iam: {
      accessKey,
      accountId,
      callerId: null,
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: null,
      userId: null,
    },
  };
}

async function _startEmulated(
  fn: DeployedFunction,
  region: string,
  output: OutputSink | undefined,
): Promise<Runner> {
  const emulator = await startEmulator({
    command: [`${fn.dir}/bootstrap`],
    cwd: fn.dir,
    env: { AWS_REGION: region, ...fn.environment, _HANDLER: fn.handler },
    timeout: fn.timeout,
    memory: fn.memory,
    functionName: fn.name,
    functionVersion: fn.version,
    port: 0,
    // Each deploy starts as a new sandbox: its own /tmp.
    freshTmp: true,
    output,
  });
  return emulator;
}
