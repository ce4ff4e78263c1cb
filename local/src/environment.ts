/**
 * The function's environment as Lambda sets it: the reserved variables,
 * what a local process needs to find its tools, then the user's own.
 *
 * @module
 */

/** What the reserved variables are made of. */
export interface FunctionEnvironmentSettings {
  /** `AWS_LAMBDA_RUNTIME_API`: the Runtime API's `host:port`. */
  runtimeApi: string;
  functionName: string;
  /** `AWS_LAMBDA_FUNCTION_VERSION`; `$LATEST` when absent. */
  functionVersion?: string;
  /** In MB. */
  memory: number;
  concurrency: number;
  region: string;
  /** The task root. */
  cwd: string;
  /** The user's variables, which win over the reserved ones. */
  env?: Record<string, string>;
}

/** The complete environment of the function process. */
export function functionEnvironment(
  settings: FunctionEnvironmentSettings,
): Record<string, string> {
  const env: Record<string, string> = {};
  // What a local process needs to find its tools and caches; Lambda sets PATH too.
  for (const key of ["PATH", "HOME", "DENO_DIR", "TMPDIR"]) {
    const value = _readEnv(key);
    if (value !== undefined) env[key] = value;
  }
  const version = settings.functionVersion ?? "$LATEST";
  const date = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  Object.assign(env, {
    AWS_LAMBDA_RUNTIME_API: settings.runtimeApi,
    AWS_LAMBDA_FUNCTION_NAME: settings.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memory),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${settings.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${date}/[${version}]${
      crypto.randomUUID().replaceAll("-", "")
    }`,
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_REGION: settings.region,
    AWS_DEFAULT_REGION: settings.region,
    LAMBDA_TASK_ROOT: settings.cwd,
    _HANDLER: "bootstrap",
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
  });
  if (settings.concurrency > 1) {
    env.AWS_LAMBDA_MAX_CONCURRENCY = String(settings.concurrency);
  }
  return Object.assign(env, settings.env);
}

function _readEnv(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}
