// The emulator CLI's flags as one table (flag → parseArgs type → reader), read once into one frozen value.
import { parseArgs, type ParseArgsOptionDescriptor } from "node:util";

/** A flag given wrongly; its message says what the flag takes. */
export class CliUsageError extends Error {
  /** Whether the usage text helps (an unknown flag, a missing value). */
  readonly showUsage: boolean;
  /** Creates the error. */
  constructor(message: string, options: { showUsage?: boolean } = {}) {
    super(message);
    this.name = "CliUsageError";
    this.showUsage = options.showUsage ?? false;
  }
}

/** One more function on the emulator's port: `--function NAME=ENTRY`. */
export interface NamedEntry {
  /** Its name, invoked by it and at `/lambda-url/NAME/`. */
  readonly name: string;
  /** Its entry: a script or an executable. */
  readonly entry: string;
}

/** Reads the environment; the process's by default. */
export type ReadEnv = (key: string) => string | undefined;

type _Raw = string | boolean | string[] | undefined;
interface _Flag<T> {
  type: "string" | "boolean";
  multiple?: true;
  short?: string;
  default?: string | boolean;
  read: (raw: _Raw, flag: string) => T;
}

const _text = (raw: _Raw) => raw as string;
const _optional = (raw: _Raw) => raw as string | undefined;
const _list = (raw: _Raw) => Object.freeze([...(raw as string[] ?? [])]);
const _flag = (raw: _Raw) => raw === true;

/** A whole number from `min`. */
function _whole(min: number) {
  return (raw: _Raw, flag: string): number => {
    const value = Number(raw);
    if (raw === "" || !Number.isInteger(value) || value < min) {
      throw new CliUsageError(
        `--${flag} must be a whole number from ${min}, got "${raw}"`,
      );
    }
    return value;
  };
}

/** A positive number of seconds. */
function _seconds(raw: _Raw, flag: string): number {
  const value = Number(raw);
  if (!(value > 0)) {
    throw new CliUsageError(
      `--${flag} must be a number of seconds, got "${raw}"`,
    );
  }
  return value;
}

/** A setting Lambda bounds, refused with the message its API gives (`member` as Lambda names it). */
function _lambdaRange(
  member: string,
  min: number,
  max: number,
  unit: string,
) {
  return (raw: _Raw, flag: string): number => {
    const value = Number(raw);
    if (raw === "" || !Number.isInteger(value)) {
      throw new CliUsageError(
        `--${flag} must be a number of ${unit} (a whole number from ${min} to ${max}), got "${raw}"`,
      );
    }
    if (value < min || value > max) {
      const bound = value < min
        ? `greater than or equal to ${min}`
        : `less than or equal to ${max}`;
      const field = member[0].toLowerCase() + member.slice(1);
      throw new CliUsageError(
        `--${flag} ${raw}: Lambda refuses this ${member} (${min} to ${max} ${unit}): ` +
          `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ` +
          `Member must have value ${bound}`,
      );
    }
    return value;
  };
}

function _functions(raw: _Raw): readonly NamedEntry[] {
  return Object.freeze((raw as string[]).map((pair) => {
    const at = pair.indexOf("=");
    const name = pair.slice(0, at);
    if (at <= 0 || at === pair.length - 1) {
      throw new CliUsageError(
        `--function takes NAME=ENTRY (e.g. --function api=api/main.ts), got "${pair}"`,
      );
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new CliUsageError(
        `--function ${name}: a name is 1 to 64 letters, digits, hyphens or underscores`,
      );
    }
    return Object.freeze({ name, entry: pair.slice(at + 1) });
  }));
}

function _pairs(raw: _Raw): readonly (readonly [string, string])[] {
  return Object.freeze((raw as string[]).map((pair) => {
    const at = pair.indexOf("=");
    if (at <= 0) {
      throw new CliUsageError(`--env takes KEY=VALUE, got "${pair}"`);
    }
    return Object.freeze([pair.slice(0, at), pair.slice(at + 1)] as const);
  }));
}

function _durableTime(raw: _Raw, flag: string): "real" | "fast" {
  if (raw === "real" || raw === "fast") return raw;
  throw new CliUsageError(
    `--${flag} takes real (waits take their time) or fast (every wait and retry delay fires at once), got "${raw}"`,
  );
}

function _optionalWhole(min: number) {
  const whole = _whole(min);
  return (raw: _Raw, flag: string) =>
    raw === undefined ? undefined : whole(raw, flag);
}

function _optionalSeconds(raw: _Raw, flag: string): number | undefined {
  return raw === undefined ? undefined : _seconds(raw, flag);
}

/** Every flag: its `parseArgs` type and default, and the reader that checks it. */
const _FLAGS = {
  port: { type: "string", default: "9000", read: _whole(0) },
  host: { type: "string", default: "127.0.0.1", read: _text },
  timeout: {
    type: "string",
    default: "3",
    read: _lambdaRange("Timeout", 1, 900, "seconds"),
  },
  "init-timeout": { type: "string", default: "10", read: _seconds },
  "reserved-concurrency": { type: "string", read: _optionalWhole(1) },
  memory: {
    type: "string",
    default: "128",
    read: _lambdaRange("MemorySize", 128, 10240, "MB"),
  },
  concurrency: { type: "string", default: "1", read: _whole(1) },
  name: { type: "string", default: "function", read: _text },
  function: { type: "string", multiple: true, read: _functions },
  env: { type: "string", multiple: true, read: _pairs },
  "env-file": { type: "string", multiple: true, read: _list },
  allow: { type: "string", multiple: true, read: _list },
  "audit-permissions": { type: "string", read: _optional },
  extensions: { type: "string", read: _optional },
  layer: { type: "string", multiple: true, read: _list },
  "shutdown-after": { type: "string", read: _optionalSeconds },
  "control-plane": { type: "boolean", default: false, read: _flag },
  "s3-endpoint": { type: "string", read: _optional },
  watch: { type: "boolean", default: false, read: _flag },
  durable: { type: "boolean", default: false, read: _flag },
  "durable-time": { type: "string", default: "real", read: _durableTime },
  "durable-state-dir": { type: "string", read: _optional },
  "durable-execution-timeout": {
    type: "string",
    default: "86400",
    read: _lambdaRange("ExecutionTimeout", 1, 31622400, "seconds"),
  },
  help: { type: "boolean", short: "h", default: false, read: _flag },
} as const satisfies Record<string, _Flag<unknown>>;

type _Values = {
  readonly [K in keyof typeof _FLAGS]: ReturnType<typeof _FLAGS[K]["read"]>;
};

/** The command line, read and checked once. */
export interface CliOptions {
  /** Each flag's checked value, by its name. */
  readonly flags: _Values;
  /** The function the emulator itself runs; absent with only `--control-plane`. */
  readonly entry: string | undefined;
  /** Its name: `--name`, or the first `--function`'s when no entry is given. */
  readonly name: string;
  /** The arguments after the entry, for the function. */
  readonly args: readonly string[];
  /** The other functions, each in a process of its own. */
  readonly functions: readonly NamedEntry[];
  /** The local S3 the control plane reads code from. */
  readonly s3Endpoint: string | undefined;
  /** The pair AWS_IAM function URLs check signatures against. */
  readonly credentials:
    | { readonly accessKeyId: string; readonly secretAccessKey: string }
    | undefined;
}

/**
 * Reads `args` against the flag table; throws {@linkcode CliUsageError}
 * naming the first flag given wrongly.
 */
export function parseCli(
  args: readonly string[],
  readEnv: ReadEnv = readProcessEnv,
): CliOptions {
  const raw = _parse(args);
  const flags = Object.fromEntries(
    Object.entries(_FLAGS).map((
      [key, flag],
    ) => [key, (flag.read as _Flag<unknown>["read"])(raw.values[key], key)]),
  ) as unknown as _Values;
  const [given, ...rest] = raw.positionals;
  let entry: string | undefined = given;
  let name = flags.name;
  let args_ = rest;
  let functions = flags.function;
  // With --function alone, the first one is the emulator's own function.
  if (entry === undefined && functions.length > 0) {
    ({ name, entry } = functions[0]);
    functions = functions.slice(1);
    args_ = [];
  }
  const names = [name, ...functions.map((fn) => fn.name)];
  const twice = names.find((one, i) => names.indexOf(one) !== i);
  if (twice !== undefined) {
    throw new CliUsageError(
      `Two functions are named ${twice}: give each --function (and --name) its own name`,
    );
  }
  return Object.freeze({
    flags: Object.freeze(flags),
    entry,
    name,
    args: Object.freeze(args_),
    functions: Object.freeze(functions),
    s3Endpoint: _s3Endpoint(flags["s3-endpoint"], readEnv),
    credentials: _credentials(readEnv),
  });
}

function _parse(args: readonly string[]) {
  const options = Object.fromEntries(
    Object.entries(_FLAGS).map(([key, flag]) => {
      const spec: ParseArgsOptionDescriptor = { type: flag.type };
      if ("multiple" in flag) {
        Object.assign(spec, { multiple: true, default: [] });
      }
      if ("default" in flag) spec.default = flag.default as string;
      if ("short" in flag) spec.short = flag.short;
      return [key, spec];
    }),
  );
  try {
    return parseArgs({ args: [...args], allowPositionals: true, options }) as {
      values: Record<string, _Raw>;
      positionals: string[];
    };
  } catch (error) {
    throw new CliUsageError(
      error instanceof Error ? error.message : String(error),
      { showUsage: true },
    );
  }
}

// Where the SDK would look for S3, so that one variable points both at a local S3.
function _s3Endpoint(
  given: string | undefined,
  readEnv: ReadEnv,
): string | undefined {
  const endpoint = given ??
    (readEnv("AWS_ENDPOINT_URL_S3") || readEnv("AWS_ENDPOINT_URL") ||
      undefined);
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new CliUsageError(
      `The S3 endpoint must be an http:// URL such as http://127.0.0.1:4569, got "${endpoint}"`,
    );
  }
  return endpoint;
}

// The pair a local user gives the AWS CLI and SDKs: AWS_IAM function URLs check signatures against it.
function _credentials(readEnv: ReadEnv): CliOptions["credentials"] {
  const accessKeyId = readEnv("AWS_ACCESS_KEY_ID");
  const secretAccessKey = readEnv("AWS_SECRET_ACCESS_KEY");
  return accessKeyId && secretAccessKey
    ? Object.freeze({ accessKeyId, secretAccessKey })
    : undefined;
}

/** A variable of the emulator's own environment; none where it may not read it. */
export function readProcessEnv(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}
