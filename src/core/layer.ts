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
import type { Channel } from "./_client.ts";

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
  /**
   * Wraps the Runtime API client the loop talks to. `channel` is the one the
   * default client sends over (absent when the options gave a client):
   * a layer that sends requests of its own shares its connection.
   */
  readonly api?: (
    api: RuntimeApi,
    environment: LambdaEnvironment,
    channel: Channel | undefined,
  ) => RuntimeApi;
  /** Wraps the error formatter (`next` is the one inside it). */
  readonly formatError?: (next: ErrorFormatter) => ErrorFormatter;
}

/** The parts of the resolved options a layer wraps. */
export interface Wrapped {
  /** The scope around each handler call; `undefined` calls it bare. */
  readonly scope: InvocationScope | undefined;
  /** The Runtime API client. */
  readonly api: RuntimeApi;
  /** The error formatter; `undefined` is the default one. */
  readonly formatError: ErrorFormatter | undefined;
}

/**
 * `inner` wrapped in `layers`, the first outermost: each scope runs the
 * ones after it, each client wraps the ones after it, and the options' own
 * scope, client and formatter are innermost.
 */
export function applyLayers(
  inner: Wrapped,
  layers: readonly Layer[],
  environment: LambdaEnvironment,
  channel: Channel | undefined,
): Wrapped {
  let { scope, api, formatError: format } = inner;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer.scope !== undefined) scope = _around(layer.scope, scope);
    if (layer.api !== undefined) api = layer.api(api, environment, channel);
    if (layer.formatError !== undefined) {
      format = layer.formatError(format ?? formatError);
    }
  }
  return { scope, api, formatError: format };
}

function _around(
  outer: InvocationScope,
  inner: InvocationScope | undefined,
): InvocationScope {
  if (inner === undefined) return outer;
  return (context, invoke) => outer(context, () => inner(context, invoke));
}
