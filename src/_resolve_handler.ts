// What run() was given, as a handler: a function is the handler; `{ init }` is called once to make it.
import { InitError } from "./core/errors.ts";
import type { Handler, HandlerSource } from "./core/types.ts";

/** The handler from a function or `{ init }`; an {@linkcode InitError} naming both forms otherwise. */
export async function resolveHandler<Event, Result>(
  source: HandlerSource<Event, Result>,
): Promise<Handler<Event, Result>> {
  if (typeof source === "function") return source;
  const init = (source as { init?: unknown } | null | undefined)?.init;
  if (typeof init !== "function") {
    throw new InitError(
      `run() needs a handler function, run((event, context) => …), or an initializer, run({ init: async () => handler }); got ${
        _kind(source)
      }`,
    );
  }
  const made: unknown = await init();
  if (typeof made !== "function") {
    throw new InitError(
      `run({ init }) called the initializer, but it returned ${
        _kind(made)
      } instead of a handler function: return one, as in run({ init: async () => (event, context) => … })`,
    );
  }
  return made as Handler<Event, Result>;
}

function _kind(value: unknown): string {
  return value === null ? "null" : typeof value;
}
