/**
 * The bench function of `passthrough.ts` on the socket transport
 * (`socketTransport`) instead of `fetch`: the same handler, the same loop.
 *
 * @module
 */

import { run } from "../../mod.ts";
import { socketTransport } from "../../src/runtime.ts";

run((event: unknown) => event, {
  transport: socketTransport(Deno.env.get("AWS_LAMBDA_RUNTIME_API") ?? ""),
});
