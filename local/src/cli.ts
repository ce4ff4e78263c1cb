/**
 * The emulator's command line: `deno task emulator <entry> [options]`.
 *
 * @module
 */

import { parse as parseDotenv } from "dotenv";
import { parseArgs } from "node:util";
import { type Emulator, startEmulator } from "./emulator.ts";
import { type IdleWatcher, watchIdle } from "./idle.ts";
import { createControlPlane } from "./control_plane.ts";
import { routeFunctions } from "./_functions_router.ts";
import { runControlPlane } from "./_control_plane_cli.ts";
import { watchSources } from "./source_watch.ts";
import { relative } from "node:path";
import { HEAP_SWITCH, heapFlags } from "./heap.ts";
import { permissionFlags } from "./permissions/flags.ts";
import { findDeclaration } from "./permissions/find_declaration.ts";
import { auditedDeclaration } from "./permissions/audit.ts";
import { untilStopped } from "./_until_stopped.ts";
import {
  announceHost,
  explainListenError,
  guardControlPlane,
} from "./_beyond_loopback.ts";

// What npm, TLS and proxies need from the machine; Lambda has its own.
const _PASSED = [
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "DENO_DIR",
  "NPM_CONFIG_REGISTRY",
];

const _USAGE = `Runs a Lambda function locally under a Runtime API emulator.

Usage: deno task emulator <entry.ts | executable> [options] [-- function arguments]

  <entry.ts>        a TypeScript/JavaScript entry, run with deno run
  <executable>      anything else, run as is (a built bootstrap)

Options:
  --port N          invoke API port (default 9000; 0 for any free port)
  --host H          invoke API address (default 127.0.0.1)
  --timeout S       function timeout in seconds (default 3)
  --init-timeout S  init phase limit in seconds (default 10, as on Lambda)
  --reserved-concurrency N  callers beyond N in flight get 429 TooManyRequestsException
  --memory MB       memory size in MB (default 128)
  --concurrency K   invocations served at once (AWS_LAMBDA_MAX_CONCURRENCY)
  --name NAME       function name (default function)
  --function NAME=ENTRY  one more function on the same port, in a process of its
                    own, invoked by NAME and at /lambda-url/NAME/ (repeatable;
                    the same options apply to it)
  --env KEY=VALUE   a variable for the function (repeatable)
  --env-file FILE   variables from a dotenv file (repeatable)
  --watch           restart the function when a file under the entry's folder
                    changes (invocations in flight finish first)
  --allow PERM      an extra Deno permission for a .ts entry, e.g. --allow read
                    or --allow net=example.com (repeatable); a .ts entry gets the
                    build's defaults plus "permissions.lambda" of its deno.json
  --audit-permissions FILE  run a .ts entry with wide read/net/env/sys/write, record
                    every permission it uses in FILE and print, when stopped, the
                    "permissions.lambda" declaration it needs beyond the defaults
  --extensions DIR  start the executables in DIR as extensions (like /opt/extensions)
  --shutdown-after S  run the shutdown phase and exit after S idle seconds
  --control-plane   also serve the Lambda API a deploy uses (CreateFunction, …) and
                    run what is deployed; with no entry, serve only that
  --s3-endpoint URL the local S3 (e.g. s3rver) the control plane reads S3Bucket/S3Key
                    code from (default AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL)
  --help            this text

Invoke it:
  curl -d '{"name":"Ada"}' http://127.0.0.1:9000/2015-03-31/functions/function/invocations
`;

/**
 * Runs the emulator CLI with `args`; resolves with the exit code when it
 * is stopped (Ctrl-C) or fails to start.
 *
 * @example
 * ```ts ignore
 * import { main } from "@rtl/lambda-local";
 *
 * Deno.exit(await main(["main.ts", "--port", "9000"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        port: { type: "string", default: "9000" },
        host: { type: "string", default: "127.0.0.1" },
        timeout: { type: "string", default: "3" },
        "init-timeout": { type: "string", default: "10" },
        "reserved-concurrency": { type: "string" },
        memory: { type: "string", default: "128" },
        concurrency: { type: "string", default: "1" },
        name: { type: "string", default: "function" },
        function: { type: "string", multiple: true, default: [] },
        env: { type: "string", multiple: true, default: [] },
        "env-file": { type: "string", multiple: true, default: [] },
        allow: { type: "string", multiple: true, default: [] },
        "audit-permissions": { type: "string" },
        extensions: { type: "string" },
        "shutdown-after": { type: "string" },
        "control-plane": { type: "boolean", default: false },
        "s3-endpoint": { type: "string" },
        watch: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return _fail(`${_message(error)}\n\n${_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(_USAGE);
    return 0;
  }
  let [entry, ...rest] = positionals;
  const functions: { name: string; entry: string }[] = [];
  for (const pair of values.function) {
    const at = pair.indexOf("=");
    const name = pair.slice(0, at);
    if (at <= 0 || at === pair.length - 1) {
      return _fail(
        `--function takes NAME=ENTRY (e.g. --function api=api/main.ts), got "${pair}"`,
      );
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      return _fail(
        `--function ${name}: a name is 1 to 64 letters, digits, hyphens or underscores`,
      );
    }
    functions.push({ name, entry: pair.slice(at + 1) });
  }
  // With --function alone, the first one is the emulator's own function.
  let name = values.name;
  if (entry === undefined && functions.length > 0) {
    ({ name, entry } = functions.shift()!);
    rest = [];
  }
  const names = [name, ...functions.map((fn) => fn.name)];
  const twice = names.find((one, i) => names.indexOf(one) !== i);
  if (twice !== undefined) {
    return _fail(
      `Two functions are named ${twice}: give each --function (and --name) its own name`,
    );
  }
  // Where the SDK would look for S3, so that one variable points both at a local S3.
  const s3Endpoint = values["s3-endpoint"] ??
    (_readEnv("AWS_ENDPOINT_URL_S3") || _readEnv("AWS_ENDPOINT_URL") ||
      undefined);
  if (s3Endpoint !== undefined && !/^https?:\/\/[^/]+/.test(s3Endpoint)) {
    return _fail(
      `The S3 endpoint must be an http:// URL such as http://127.0.0.1:4569, got "${s3Endpoint}"`,
    );
  }
  // The pair a local user gives the AWS CLI and SDKs: AWS_IAM function URLs check signatures against it.
  const accessKeyId = _readEnv("AWS_ACCESS_KEY_ID");
  const secretAccessKey = _readEnv("AWS_SECRET_ACCESS_KEY");
  const credentials = accessKeyId && secretAccessKey
    ? { accessKeyId, secretAccessKey }
    : undefined;
  const refused = announceHost(
    values.host,
    values["control-plane"],
    credentials,
  );
  if (refused !== undefined) return _fail(refused);
  if (values["control-plane"] && entry === undefined) {
    return await runControlPlane(values.host, values.port, {
      s3Endpoint,
      credentials,
    });
  }
  if (entry === undefined) {
    return _fail(`Name the function to run.\n\n${_USAGE}`);
  }
  const numbers: Record<string, number> = {};
  for (const key of ["port", "timeout", "memory", "concurrency"] as const) {
    const value = Number(values[key]);
    const valid = key === "timeout"
      ? value > 0 && value <= 900
      : Number.isInteger(value) && value >= (key === "port" ? 0 : 1);
    if (!valid) {
      return _fail(
        `--${key} must be a ${
          key === "timeout" ? "number of seconds from 0 to 900" : "whole number"
        }, got "${values[key]}"`,
      );
    }
    numbers[key] = value;
  }
  const initTimeout = Number(values["init-timeout"]);
  if (!(initTimeout > 0)) {
    return _fail(
      `--init-timeout must be a number of seconds, got "${
        values["init-timeout"]
      }"`,
    );
  }
  const reserved = values["reserved-concurrency"] === undefined
    ? undefined
    : Number(values["reserved-concurrency"]);
  if (
    reserved !== undefined && !(Number.isInteger(reserved) && reserved >= 1)
  ) {
    return _fail(
      `--reserved-concurrency must be a whole number from 1, got "${
        values["reserved-concurrency"]
      }"`,
    );
  }
  const env: Record<string, string> = {};
  for (const key of _PASSED) {
    const value = _readEnv(key);
    if (value !== undefined) env[key] = value;
  }
  for (const file of values["env-file"]) {
    try {
      Object.assign(env, parseDotenv(await Deno.readTextFile(file)));
    } catch (error) {
      return _fail(`Cannot read --env-file ${file}: ${_message(error)}`);
    }
  }
  for (const pair of values.env) {
    const at = pair.indexOf("=");
    if (at <= 0) return _fail(`--env takes KEY=VALUE, got "${pair}"`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  let command: string[];
  const commands: string[][] = [];
  const audit = values["audit-permissions"];
  try {
    const allow = values.allow.map((permission) => `--allow-${permission}`);
    if (audit !== undefined) {
      allow.push(..._AUDIT_GRANT);
      env.DENO_AUDIT_PERMISSIONS = audit;
    }
    command = await _commandFor(entry, rest, allow);
    for (const fn of functions) {
      commands.push(await _commandFor(fn.entry, [], allow));
    }
  } catch (error) {
    return _fail(_message(error));
  }
  const ungranted = _ungranted(command, Object.keys(env));
  if (ungranted.length) {
    console.error(
      `The function reads ${
        ungranted.join(", ")
      } as unset (outside its grant): add them to "permissions": ` +
        `{ "lambda": { "env": [...] } } in its deno.json (deployed, it needs them too), or --allow env=NAME`,
    );
  }
  // A script gets the heap the portable bootstrap would give it; a built bootstrap sizes its own.
  if (command[0] === Deno.execPath() && env[HEAP_SWITCH] !== "off") {
    env.DENO_V8_FLAGS = [...heapFlags(numbers.memory), env.DENO_V8_FLAGS]
      .filter((flags) => flags).join(",");
  }
  const stop = Promise.withResolvers<void>();
  let idle: IdleWatcher | undefined;
  if (values["shutdown-after"] !== undefined) {
    const seconds = Number(values["shutdown-after"]);
    if (!(seconds > 0)) {
      return _fail(
        `--shutdown-after must be a number of seconds, got "${
          values["shutdown-after"]
        }"`,
      );
    }
    idle = watchIdle(seconds, () => stop.resolve());
  }
  let emulator: Emulator;
  const others = new Map<string, Emulator>();
  const routeOthers = routeFunctions((name) => others.get(name)?.url);
  const plane = values["control-plane"]
    ? createControlPlane({
      s3Endpoint,
      credentials,
      functionUrl: (name) => `${emulator.url}/lambda-url/${name}/`,
    })
    : undefined;
  try {
    emulator = await startEmulator({
      extensionsDir: values.extensions,
      output: idle?.output,
      command: command,
      env,
      hostname: values.host,
      port: numbers.port,
      timeout: numbers.timeout,
      initTimeout,
      // A built bootstrap starts as in a new sandbox, its caches cold; a script keeps the machine's npm cache.
      freshTmp: !_isScript(entry),
      reservedConcurrency: reserved,
      memory: numbers.memory,
      concurrency: numbers.concurrency,
      functionName: name,
      routes: guardControlPlane(
        plane && values.host,
        { credentials },
        async (request) =>
          await plane?.handle(request) ?? await routeOthers(request),
      ),
    });
  } catch (error) {
    return _fail(_message(explainListenError(error, values.host)));
  }
  try {
    for (const [i, fn] of functions.entries()) {
      others.set(
        fn.name,
        await startEmulator({
          extensionsDir: values.extensions,
          output: idle?.output,
          command: commands[i],
          env,
          hostname: "127.0.0.1",
          port: 0,
          timeout: numbers.timeout,
          initTimeout,
          freshTmp: !_isScript(fn.entry),
          reservedConcurrency: reserved,
          memory: numbers.memory,
          concurrency: numbers.concurrency,
          functionName: fn.name,
        }),
      );
    }
  } catch (error) {
    await Promise.all([...others.values()].map((other) => other.close()));
    await emulator.close();
    return _fail(_message(error));
  }
  console.error(
    `Function ${name} (${entry}) on ${emulator.url}\n` +
      functions.map((fn) =>
        `Function ${fn.name} (${fn.entry}): invoke it as ${fn.name}, its URL is ${emulator.url}/lambda-url/${fn.name}/\n`
      ).join("") +
      `Its variables: Lambda's reserved ones and ${
        Object.keys(env).sort().join(", ") || "no others"
      }\n` +
      `Invoke it: curl -d '{}' ${emulator.url}/2015-03-31/functions/${name}/invocations\n` +
      `Stop with Ctrl-C.`,
  );
  if (
    plane !== undefined && s3Endpoint !== undefined &&
    new URL(s3Endpoint).origin === new URL(emulator.url).origin
  ) {
    // AWS_ENDPOINT_URL set for the SDK's Lambda calls would send S3 reads to this function's URL.
    console.error(
      `The S3 endpoint ${s3Endpoint} is this emulator: pass --s3-endpoint with the local S3's address`,
    );
  }
  idle?.start();
  const watched = [
    { name, entry, emulator },
    ...functions.map((fn) => ({ ...fn, emulator: others.get(fn.name)! })),
  ];
  const watches = values.watch
    ? watched.map((fn) =>
      watchSources(fn.entry, (paths) => {
        console.error(
          `Sources changed (${
            paths.map((path) => relative(Deno.cwd(), path)).join(", ")
          }): restarting ${functions.length ? fn.name : "the function"}`,
        );
        fn.emulator.reload();
      })
    )
    : [];
  await untilStopped(async () => {
    idle?.stop();
    for (const watch of watches) watch.stop();
    await Promise.all([...others.values()].map((other) => other.close()));
    await emulator.close();
    await plane?.close();
  }, stop.promise);
  if (audit !== undefined) {
    const declaration = auditedDeclaration(await Deno.readTextFile(audit));
    console.log(
      `The permissions the function used beyond the defaults, for its deno.json:\n${
        JSON.stringify({ permissions: { lambda: declaration } }, null, 2)
      }`,
    );
  }
  return 0;
}

// Wide enough to watch what a function uses, short of running programs.
const _AUDIT_GRANT = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-sys",
];

// Variables given to a script entry that its --allow-env grant does not cover.
function _ungranted(command: string[], names: string[]): string[] {
  const flag = command.find((arg) =>
    arg === "--allow-env" || arg.startsWith("--allow-env=")
  );
  if (command[0] !== Deno.execPath() || flag === "--allow-env") return [];
  const grants = flag?.slice("--allow-env=".length).split(",") ?? [];
  return names.filter((name) =>
    !_PASSED.includes(name) && name !== "DENO_AUDIT_PERMISSIONS" &&
    !grants.some((grant) =>
      grant.endsWith("*") ? name.startsWith(grant.slice(0, -1)) : grant === name
    )
  );
}

function _isScript(entry: string): boolean {
  return /\.(ts|tsx|js|mjs|mts|jsx)$/.test(entry);
}

function _readEnv(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}

/** The command that runs `entry`, with its deno.json's declaration for a script. */
async function _commandFor(
  entry: string,
  rest: string[],
  allow: string[],
): Promise<string[]> {
  const found = _isScript(entry) ? await findDeclaration(entry) : undefined;
  return _command(
    entry,
    rest,
    permissionFlags(allow, { declaration: found?.declaration }),
  );
}

/** The function given to the emulator cannot be run as given. */
class FunctionEntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FunctionEntryError";
  }
}

/** A script entry runs under `deno run` with what it gets deployed; anything else runs as is. */
function _command(
  entry: string,
  rest: string[],
  permissions: string[],
): string[] {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(entry);
  } catch {
    throw new FunctionEntryError(`The function ${entry} does not exist`);
  }
  if (!_isScript(entry)) {
    if (!info.isFile || ((info.mode ?? 0o111) & 0o111) === 0) {
      throw new FunctionEntryError(
        `${entry} is not an executable file (chmod +x it, or give a .ts entry)`,
      );
    }
    return [entry.includes("/") ? entry : `./${entry}`, ...rest];
  }
  return [
    Deno.execPath(),
    "run",
    "--no-prompt",
    ...permissions,
    entry,
    ...rest,
  ];
}

function _fail(message: string): number {
  console.error(message);
  return 1;
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
