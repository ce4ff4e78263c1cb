/**
 * The one interface every feature wraps the core through (the Rust runtime's
 * `Runtime::layer`): a layer wraps the handler call, the Runtime API client,
 * and/or the error formatter. `run()` composes its features as one list of
 * layers; the first in the list is the outermost.
 *
 * @module
 */

import type { LambdaEnvironment } from "./environment.ts";
import { type ErrorFormatter, formatError } from "./errors.ts";
import type { RuntimeApi } from "./runtime_api.ts";
import type { InvocationScope } from "./types.ts";
import type { Resolved } from "./_resolve.ts";

/**
 * A feature, as what it wraps. Every part is optional.
 *
 * @example A layer that times every handler call
 * ```ts
 * import type { Layer } from "./layer.ts";
 *
 * const timing: Layer = {
 *   name: "timing",
 *   scope: async (context, invoke) => {
 *     const start = performance.now();
 *     try {
 *       return await invoke();
 *     } finally {
 *       console.log(context.awsRequestId, performance.now() - start);
 *     }
 *   },
 * };
 * ```
 */
export interface Layer {
  /** What the layer is, for messages and tests. */
  readonly name: string;
  /** Wraps each handler call: must call `invoke` once and return its result. */
  readonly scope?: InvocationScope;
  /** Wraps the Runtime API client the loop talks to. */
  readonly api?: (
    api: RuntimeApi,
    environment: LambdaEnvironment,
  ) => RuntimeApi;
  /** Wraps the error formatter (`next` is the one inside it). */
  readonly formatError?: (next: ErrorFormatter) => ErrorFormatter;
}

/**
 * `resolved` wrapped in `layers`, the first outermost: each scope runs the
 * ones after it, each client wraps the ones after it, and the options' own
 * scope, client and formatter are innermost.
 */
export function applyLayers(
  resolved: Resolved,
  layers: readonly Layer[],
): Resolved {
  let scope = resolved.scope;
  let api = resolved.api;
  let format = resolved.formatError;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer.scope !== undefined) scope = _around(layer.scope, scope);
    if (layer.api !== undefined) api = layer.api(api, resolved.environment);
    if (layer.formatError !== undefined) {
      format = layer.formatError(format ?? formatError);
    }
  }
  return Object.freeze({ ...resolved, scope, api, formatError: format });
}

function _around(
  outer: InvocationScope,
  inner: InvocationScope | undefined,
): InvocationScope {
  if (inner === undefined) return outer;
  return (context, invoke) => outer(context, () => inner(context, invoke));
}
