/**
 * The emulator's command line: `deno task emulator <entry> [options]`.
 *
 * @module
 */

import { announceHost, explainListenError } from "./_beyond_loopback.ts";
import { parseEnv } from "node:util";
import { resolve } from "node:path";
import { runControlPlane } from "./_control_plane_cli.ts";
import { durableOptionsOf } from "./_cli_durable.ts";
import { HEAP_SWITCH, heapFlags } from "./heap.ts";
import { auditedDeclaration } from "./permissions/audit.ts";
import {
  type CliOptions,
  CliUsageError,
  parseCli,
  readProcessEnv,
} from "./_cli_options.ts";
import { type FunctionLaunch, launchFor } from "./_cli_function.ts";
import { serveFunctions } from "./_cli_serve.ts";

// What npm, TLS and proxies need from the machine (the certificates Deno and Node read); Lambda has its own.
const _PASSED = [
  "NODE_EXTRA_CA_CERTS",
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
  --timeout S       function timeout in seconds, 1 to 900 (default 3)
  --init-timeout S  init phase limit in seconds (default 10, as on Lambda)
  --reserved-concurrency N  callers beyond N in flight get 429 TooManyRequestsException
  --memory MB       memory size in MB, 128 to 10240 (default 128)
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
  --layer ZIP|DIR   a layer for a built bootstrap, unpacked read-only at its /opt
                    (repeatable, in order); without it, the build's layer.zip beside
                    the bootstrap is used when there is one
  --shutdown-after S  run the shutdown phase and exit after S idle seconds
  --control-plane   also serve the Lambda API a deploy uses (CreateFunction, …) and
                    run what is deployed; with no entry, serve only that
  --s3-endpoint URL the local S3 (e.g. s3rver) the control plane reads S3Bucket/S3Key
                    code from (default AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL)
  --durable         run the function as a durable function (DurableConfig): each
                    invocation starts a durable execution
  --durable-execution-timeout S  its ExecutionTimeout (default 86400)
  --durable-time T  real (default) or fast: every wait and step retry delay
                    of a durable execution fires at once (the log says so)
  --durable-state-dir DIR  where durable executions are kept across restarts
                    (default: a folder per port under $TMPDIR; memory with --port 0)
  --help            this text

Invoke it:
  curl -d '{"hello":"world"}' http://127.0.0.1:9000/2015-03-31/functions/function/invocations
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
  let options: CliOptions;
  try {
    options = parseCli(args);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    return _fail(
      error.showUsage ? `${error.message}\n\n${_USAGE}` : error.message,
    );
  }
  const { flags } = options;
  if (flags.help) {
    console.log(_USAGE);
    return 0;
  }
  const refused = announceHost(
    flags.host,
    flags["control-plane"],
    options.credentials,
  );
  if (refused !== undefined) return _fail(refused);
  if (flags["control-plane"] && options.entry === undefined) {
    return await runControlPlane(flags.host, flags.port, {
      s3Endpoint: options.s3Endpoint,
      credentials: options.credentials,
      durable: durableOptionsOf(options),
    });
  }
  if (options.entry === undefined) {
    return _fail(`Name the function to run.\n\n${_USAGE}`);
  }
  const launches: FunctionLaunch[] = [];
  try {
    const env = await _functionEnv(options);
    const allow = flags.allow.map((permission) => `--allow-${permission}`);
    if (flags["audit-permissions"] !== undefined) allow.push(..._AUDIT_GRANT);
    launches.push(
      await launchFor(options.entry, options.args, allow, flags.layer),
    );
    for (const fn of options.functions) {
      launches.push(await launchFor(fn.entry, [], allow, flags.layer));
    }
    for (const launch of launches) {
      if (launch.note) console.error(launch.note);
      if (launch.script && flags.layer.length > 0) {
        console.error(
          "--layer is for a built bootstrap (its /opt): a .ts entry runs without it",
        );
      }
    }
    _warnUngranted(launches[0].command, Object.keys(env));
    const sized = _withHeap(launches[0], env, flags.memory);
    const code = await serveFunctions(options, launches, sized);
    if (code === 0) await _printAudit(flags["audit-permissions"]);
    return code;
  } catch (error) {
    return _fail(_message(explainListenError(error, flags.host)));
  } finally {
    await Promise.all(launches.map((launch) => launch.close()));
  }
}

/** The function's variables: what the machine passes, the --env-files, then --env. */
async function _functionEnv(
  options: CliOptions,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const key of _PASSED) {
    const value = readProcessEnv(key);
    if (value !== undefined) env[key] = value;
  }
  for (const file of options.flags["env-file"]) {
    try {
      Object.assign(
        env,
        parseEnv(await Deno.readTextFile(file)) as Record<string, string>,
      );
    } catch (error) {
      throw new Error(`Cannot read --env-file ${file}: ${_message(error)}`);
    }
  }
  for (const [key, value] of options.flags.env) env[key] = value;
  const audit = options.flags["audit-permissions"];
  // Absolute: the function runs from its own folder.
  if (audit !== undefined) env.DENO_AUDIT_PERMISSIONS = resolve(audit);
  return env;
}

// A script gets the heap the portable bootstrap would give it; a built bootstrap sizes its own.
function _withHeap(
  launch: FunctionLaunch,
  env: Record<string, string>,
  memory: number,
): Record<string, string> {
  if (!launch.script || env[HEAP_SWITCH] === "off") return env;
  const flags = [...heapFlags(memory), env.DENO_V8_FLAGS].filter((f) => f);
  return { ...env, DENO_V8_FLAGS: flags.join(",") };
}

function _warnUngranted(command: string[], names: string[]): void {
  const ungranted = _ungranted(command, names);
  if (ungranted.length === 0) return;
  console.error(
    `The function reads ${
      ungranted.join(", ")
    } as unset (outside its grant): add them to "permissions": ` +
      `{ "lambda": { "env": [...] } } in its deno.json (deployed, it needs them too), or --allow env=NAME`,
  );
}

async function _printAudit(audit: string | undefined): Promise<void> {
  if (audit === undefined) return;
  let lines: string;
  try {
    lines = await Deno.readTextFile(audit);
  } catch {
    return;
  }
  console.log(
    `The permissions the function used beyond the defaults, for its deno.json:\n${
      JSON.stringify(
        { permissions: { lambda: auditedDeclaration(lines) } },
        null,
        2,
      )
    }`,
  );
}

// Wide enough to watch what a function uses, short of running programs.
const _AUDIT_GRANT = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-env",
  "--allow-sys",
];

// OpenTelemetry's settings: Deno reads them itself at start, outside the permission system, whatever the grant.
const _READ_BY_DENO = "OTEL_";

// Variables given to a script entry that its --allow-env grant does not cover.
function _ungranted(command: string[], names: string[]): string[] {
  const flag = command.find((arg) =>
    arg === "--allow-env" || arg.startsWith("--allow-env=")
  );
  if (command[0] !== Deno.execPath() || flag === "--allow-env") return [];
  const grants = flag?.slice("--allow-env=".length).split(",") ?? [];
  return names.filter((name) =>
    !_PASSED.includes(name) && name !== "DENO_AUDIT_PERMISSIONS" &&
    !name.startsWith(_READ_BY_DENO) &&
    !grants.some((grant) =>
      grant.endsWith("*") ? name.startsWith(grant.slice(0, -1)) : grant === name
    )
  );
}

function _fail(message: string): number {
  console.error(message);
  return 1;
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
