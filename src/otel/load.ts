// The OpenTelemetry layer when `OTEL_DENO=true`, loaded then and only then: with it off, nothing of it is imported.
import type { LambdaEnvironment } from "../core/environment.ts";
import type { Layer } from "../core/layer.ts";

/** The OpenTelemetry layer in a list of one when the environment turns it on, else an empty list. */
export async function otelLayers(
  environment: LambdaEnvironment,
): Promise<Layer[]> {
  const settings = environment.otel;
  if (settings === undefined) return [];
  const { otelLayer } = await import("./layer.ts");
  return [otelLayer(environment, settings)];
}
