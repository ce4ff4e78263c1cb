/**
 * `_X_AMZN_TRACE_ID` for the invocation that runs, where the X-Ray SDKs read
 * it (`Deno.env.get`, and `process.env`, which reads through it), without
 * writing the process environment. glibc never frees a value `setenv`
 * replaces (callers may still hold the old pointer), so one `Deno.env.set`
 * per invocation, each with a new trace id, leaked about 175 bytes an
 * invocation: 50 MB over 300 000 invocations, measured.
 *
 * @module
 */

/** The variable Lambda's X-Ray integration reads. */
const _NAME = "_X_AMZN_TRACE_ID";

/**
 * The trace id as the process environment shows it, until disposed.
 */
export interface TraceEnv extends Disposable {
  /** Shows `traceId` as `_X_AMZN_TRACE_ID`; `undefined` hides the variable. */
  set(traceId: string | undefined): void;
}

/**
 * Makes `Deno.env.get`, `has` and `toObject` answer `_X_AMZN_TRACE_ID` from
 * a value the loop sets per invocation, and everything else as before. A
 * `Deno.env.set` or `delete` of the variable by the function updates the
 * same value. Processes the function starts inherit the real environment,
 * which does not have it: pass it in their `env` if they need it. Disposing
 * puts `Deno.env` back.
 */
export function installTraceEnv(): TraceEnv {
  const env = Deno.env;
  const { get, has, set, delete: remove, toObject } = env;
  let value: string | undefined;
  try {
    value = get.call(env, _NAME);
  } catch {
    value = undefined;
  }
  env.get = (key) => key === _NAME ? value : get.call(env, key);
  env.has = (key) => key === _NAME ? value !== undefined : has.call(env, key);
  env.set = (key, next) => {
    if (key !== _NAME) return set.call(env, key, next);
    value = String(next);
  };
  env.delete = (key) => {
    if (key !== _NAME) return remove.call(env, key);
    value = undefined;
  };
  env.toObject = () => {
    const all = toObject.call(env);
    if (value === undefined) delete all[_NAME];
    else all[_NAME] = value;
    return all;
  };
  let disposed = false;
  return {
    set(traceId) {
      value = traceId;
    },
    [Symbol.dispose]() {
      if (disposed) return;
      disposed = true;
      Object.assign(env, { get, has, set, delete: remove, toObject });
    },
  };
}

/**
 * The trace env `run()` installs: only with one invocation at a time (the
 * process env is shared) and when `_X_AMZN_TRACE_ID` may be written.
 */
export function installTraceEnvFor(concurrency: number): TraceEnv | undefined {
  return concurrency === 1 && _canWriteTraceEnv()
    ? installTraceEnv()
    : undefined;
}

function _canWriteTraceEnv(): boolean {
  try {
    return Deno.permissions.querySync({
      name: "env",
      variable: "_X_AMZN_TRACE_ID",
    }).state === "granted";
  } catch {
    return false;
  }
}
