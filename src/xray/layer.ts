// The X-Ray layer: the trace id in `_X_AMZN_TRACE_ID` while an invocation runs, and the error cause on each `/error`.
import type { Layer } from "../core/layer.ts";
import type { RuntimeApi } from "../core/runtime_api.ts";
import { XRAY_ERROR_CAUSE_HEADER, xrayErrorCause } from "./error_cause.ts";
import type { TraceEnv } from "./trace_env.ts";

/** What the X-Ray layer does: set the trace env (when there is one), add the error cause (when asked). */
export interface XrayLayerOptions {
  /** The trace env to set per invocation; none at concurrency > 1. */
  readonly traceEnv: TraceEnv | undefined;
  /** Sends the error cause header; false when the function gave `errorHeaders` of its own. */
  readonly errorCause: boolean;
}

/** The layer `run()` lists for X-Ray. */
export function xrayLayer(options: XrayLayerOptions): Layer {
  const traceEnv = options.traceEnv;
  return {
    name: "x-ray",
    ...(traceEnv !== undefined && {
      scope: (context, invoke) => {
        traceEnv.set(context.xRayTraceId);
        return invoke();
      },
    }),
    ...(options.errorCause && {
      api: (api, environment) => _withErrorCause(api, environment.taskRoot),
    }),
  };
}

function _withErrorCause(api: RuntimeApi, taskRoot: string): RuntimeApi {
  return {
    next: (signal) => api.next(signal),
    respond: (invocation, body, options) =>
      api.respond(invocation, body, options),
    fail: (invocation, report, options) =>
      api.fail(invocation, report, {
        headers: {
          [XRAY_ERROR_CAUSE_HEADER]: xrayErrorCause(report, taskRoot),
          ...options?.headers,
        },
      }),
    failInit: (report) => api.failInit(report),
    ...(api.stream && {
      stream: (invocation, body, options) =>
        api.stream!(invocation, body, options),
    }),
    ...(api.reachable && { reachable: () => api.reachable!() }),
  };
}
