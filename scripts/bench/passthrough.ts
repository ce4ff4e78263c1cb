/**
 * The bench function on @rtl/lambda with its defaults: it returns the event,
 * so the response is as large as the event (parsed as JSON and serialised
 * again, as any handler's would be).
 *
 * @module
 */

import { run } from "../../mod.ts";

run((event: unknown) => event);
