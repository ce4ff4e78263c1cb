// A function's settings from a CreateFunction or UpdateFunctionConfiguration body, checked as Lambda checks
// them: the API model's constraints first (ValidationException), then Lambda's own rules
// (InvalidParameterValueException); nothing is applied unless all of it holds.
import {
  invalidParameter,
  InvalidRequestContentException,
  ValidationException,
} from "./errors.ts";

/** $LATEST's settings. */
export interface Settings {
  readonly role: string;
  readonly runtime: string;
  readonly handler: string;
  readonly description: string;
  readonly timeout: number;
  readonly memory: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly architecture: string;
  readonly layers: readonly string[];
  /** `DurableConfig`: set, the function is durable. */
  readonly durable?: {
    ExecutionTimeout: number;
    RetentionPeriodInDays: number;
  };
}

/** A new function's settings before its body's. */
export const DEFAULT_SETTINGS: Settings = {
  role: "",
  runtime: "provided.al2023",
  handler: "bootstrap",
  description: "",
  timeout: 3,
  memory: 128,
  environment: {},
  architecture: "x86_64",
  layers: [],
};

/** The variables Lambda sets itself and refuses in a function's configuration. */
export const RESERVED_VARIABLES: ReadonlySet<string> = new Set([
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_DEFAULT_REGION",
  "AWS_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
]);

/** The runtimes of the Lambda API's model (its `Runtime` enum). */
export const RUNTIMES: readonly string[] = [
  "nodejs",
  "nodejs4.3",
  "nodejs6.10",
  "nodejs8.10",
  "nodejs10.x",
  "nodejs12.x",
  "nodejs14.x",
  "nodejs16.x",
  "java8",
  "java8.al2",
  "java11",
  "python2.7",
  "python3.6",
  "python3.7",
  "python3.8",
  "python3.9",
  "dotnetcore1.0",
  "dotnetcore2.0",
  "dotnetcore2.1",
  "dotnetcore3.1",
  "dotnet6",
  "dotnet8",
  "nodejs4.3-edge",
  "go1.x",
  "ruby2.5",
  "ruby2.7",
  "provided",
  "provided.al2",
  "nodejs18.x",
  "python3.10",
  "java17",
  "ruby3.2",
  "ruby3.3",
  "ruby3.4",
  "python3.11",
  "nodejs20.x",
  "provided.al2023",
  "python3.12",
  "java21",
  "python3.13",
  "nodejs22.x",
  "nodejs24.x",
  "python3.14",
  "java25",
  "dotnet10",
];

const _ARCHITECTURES = ["x86_64", "arm64"];
const _ROLE =
  /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const _VARIABLE_NAME = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
const _ENVIRONMENT_LIMIT = 4096;

/** `current` with the settings `body` gives, checked; a LambdaApiError naming what Lambda would refuse. */
export function settingsFrom(
  body: Record<string, unknown>,
  current: Settings,
): Settings {
  const violations: string[] = [];
  const next = {
    role: body.Role === undefined ? current.role : _role(body.Role),
    runtime: _enum(body.Runtime, "runtime", RUNTIMES, violations) ??
      current.runtime,
    handler: _handler(body.Handler, violations) ?? current.handler,
    description: _description(body.Description, violations) ??
      current.description,
    timeout: _range(body.Timeout, "timeout", 1, 900, violations) ??
      current.timeout,
    memory: _range(body.MemorySize, "memorySize", 128, 10240, violations) ??
      current.memory,
    environment: _environment(body.Environment, violations) ??
      current.environment,
    architecture: _architecture(body.Architectures, violations) ??
      current.architecture,
    layers: Array.isArray(body.Layers)
      ? body.Layers.map(String)
      : current.layers,
    durable: _durable(body.DurableConfig, violations) ?? current.durable,
  };
  if (violations.length > 0) {
    const count = violations.length === 1
      ? "1 validation error"
      : `${violations.length} validation errors`;
    throw new ValidationException(
      `${count} detected: ${violations.join("; ")}`,
    );
  }
  _checkEnvironment(next.environment);
  return next;
}

/** The architecture of an UpdateFunctionCode body's `Architectures`, checked. */
export function architectureFrom(
  value: unknown,
  current: string,
): string {
  const violations: string[] = [];
  const architecture = _architecture(value, violations);
  if (violations.length > 0) {
    throw new ValidationException(
      `1 validation error detected: ${violations[0]}`,
    );
  }
  return architecture ?? current;
}

function _role(value: unknown): string {
  if (typeof value !== "string" || !_ROLE.test(value)) {
    throw invalidParameter(
      "The role defined for the function cannot be assumed by Lambda.",
    );
  }
  return value;
}

function _constraint(value: string, field: string, rule: string): string {
  return `Value '${value}' at '${field}' failed to satisfy constraint: ${rule}`;
}

function _enum(
  value: unknown,
  field: string,
  allowed: readonly string[],
  violations: string[],
): string | undefined {
  if (value === undefined) return undefined;
  const text = _scalar(value, field);
  if (allowed.includes(text)) return text;
  violations.push(
    _constraint(
      text,
      field,
      `Member must satisfy enum value set: [${allowed.join(", ")}]`,
    ),
  );
  return undefined;
}

function _handler(value: unknown, violations: string[]): string | undefined {
  if (value === undefined) return undefined;
  const text = _scalar(value, "handler");
  if (text.length > 128) {
    violations.push(
      _constraint(
        text,
        "handler",
        "Member must have length less than or equal to 128",
      ),
    );
  } else if (!/^[^\s]+$/.test(text)) {
    violations.push(
      _constraint(
        text,
        "handler",
        "Member must satisfy regular expression pattern: [^\\s]+",
      ),
    );
  } else return text;
  return undefined;
}

function _description(value: unknown, violations: string[]) {
  if (value === undefined) return undefined;
  const text = _scalar(value, "description");
  if (text.length <= 256) return text;
  violations.push(
    _constraint(
      text,
      "description",
      "Member must have length less than or equal to 256",
    ),
  );
  return undefined;
}

function _range(
  value: unknown,
  field: string,
  min: number,
  max: number,
  violations: string[],
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value === "object" || !Number.isInteger(number)) {
    throw new InvalidRequestContentException(
      `Could not parse request body into json: Could not parse payload into json: ${field} must be a whole number`,
    );
  }
  if (number < min) {
    violations.push(
      _constraint(
        String(number),
        field,
        `Member must have value greater than or equal to ${min}`,
      ),
    );
  } else if (number > max) {
    violations.push(
      _constraint(
        String(number),
        field,
        `Member must have value less than or equal to ${max}`,
      ),
    );
  } else return number;
  return undefined;
}

/** Lambda's default retention of a closed execution, in days. */
export const DEFAULT_RETENTION_DAYS = 14;
/** The execution timeout a DurableConfig without one gets, in seconds (a day). */
export const DEFAULT_EXECUTION_TIMEOUT = 86400;

function _durable(value: unknown, violations: string[]) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidRequestContentException(
      "Could not parse request body into json: Could not parse payload into json: DurableConfig must be an object",
    );
  }
  const config = value as Record<string, unknown>;
  const before = violations.length;
  const timeout = _range(
    config.ExecutionTimeout,
    "durableConfig.executionTimeout",
    1,
    31622400,
    violations,
  );
  const retention = _range(
    config.RetentionPeriodInDays,
    "durableConfig.retentionPeriodInDays",
    1,
    90,
    violations,
  );
  if (violations.length > before) return undefined;
  return {
    ExecutionTimeout: timeout ?? DEFAULT_EXECUTION_TIMEOUT,
    RetentionPeriodInDays: retention ?? DEFAULT_RETENTION_DAYS,
  };
}

function _architecture(value: unknown, violations: string[]) {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw new InvalidRequestContentException(
      "Could not parse request body into json: Could not parse payload into json: Architectures must be a list",
    );
  }
  const names = value.map((item) => _scalar(item, "architectures"));
  if (names.length !== 1) {
    violations.push(
      _constraint(
        `[${names.join(", ")}]`,
        "architectures",
        names.length === 0
          ? "Member must have length greater than or equal to 1"
          : "Member must have length less than or equal to 1",
      ),
    );
    return undefined;
  }
  if (_ARCHITECTURES.includes(names[0])) return names[0];
  violations.push(
    _constraint(
      `[${names[0]}]`,
      "architectures",
      `Member must satisfy constraint: [Member must satisfy enum value set: [${
        _ARCHITECTURES.join(", ")
      }]]`,
    ),
  );
  return undefined;
}

/** Environment.Variables: a map of names to strings; numbers and booleans read as text, as Lambda's parser reads them. */
function _environment(
  value: unknown,
  violations: string[],
): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const variables = (value as { Variables?: unknown } | null)?.Variables ?? {};
  if (typeof variables !== "object" || Array.isArray(variables)) {
    throw _notAString("Environment.Variables", variables);
  }
  const environment: Record<string, string> = {};
  for (const [name, item] of Object.entries(variables as object)) {
    environment[name] = _scalar(item, `Environment.Variables.${name}`);
  }
  if (!Object.keys(environment).every((name) => _VARIABLE_NAME.test(name))) {
    // Lambda never echoes a variable: its values may be secrets.
    violations.push(
      "Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
    );
    return undefined;
  }
  return environment;
}

function _checkEnvironment(environment: Readonly<Record<string, string>>) {
  const reserved = Object.keys(environment).filter((name) =>
    RESERVED_VARIABLES.has(name)
  );
  if (reserved.length > 0) {
    throw invalidParameter(
      "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. " +
        `Reserved keys used in this request: ${reserved.join(", ")}`,
    );
  }
  const measured = JSON.stringify(environment);
  if (new TextEncoder().encode(measured).byteLength > _ENVIRONMENT_LIMIT) {
    throw invalidParameter(
      "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. " +
        `String measured: ${measured}`,
    );
  }
}

/** A string field's text; a number or boolean as its text; anything else refused as Lambda's JSON parser refuses it. */
function _scalar(value: unknown, field: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  throw _notAString(field, value);
}

function _notAString(field: string, value: unknown) {
  const kind = Array.isArray(value)
    ? "Array value (token `JsonToken.START_ARRAY`)"
    : value === null
    ? "null value"
    : "Object value (token `JsonToken.START_OBJECT`)";
  return new InvalidRequestContentException(
    `Could not parse request body into json: Could not parse payload into json: Cannot deserialize value of type \`java.lang.String\` from ${kind} at ${field}`,
  );
}
