// The emulator's own function as a durable function (`--durable`): recorded in a control plane's store
// so that the durable engine invokes it (on its own emulator, marked so the plane passes the
// invocation on) and the plane's routes answer its executions.
import { ROUTES } from "./routes.ts";
import { path, type Route, route } from "./router.ts";
import type { FunctionRecord, Store } from "./store.ts";
import { DEFAULT_SETTINGS } from "./validation.ts";
import { durableRoutes, functionRoutes } from "../durable/api.ts";
import { engineOf } from "./durable.ts";
import { functionRecord } from "./functions.ts";
import { invoke } from "./invoke.ts";

const _stores = new WeakMap<object, Store>();

/** Remembers the store behind a control plane (for the CLI's `--durable`). */
export function rememberStore(plane: object, store: Store): void {
  _stores.set(plane, store);
}

/** The store behind a control plane made by createControlPlane. */
export function storeOf(plane: object): Store {
  const store = _stores.get(plane);
  if (store === undefined) throw new Error("Not a control plane");
  return store;
}

/** The routes `--durable` serves without `--control-plane`: the durable API and the function's invoke. */
export function durableOnly(
  store: Store,
): (request: Request) => Promise<Response | undefined> {
  const routes: Route[] = [
    ...durableRoutes(engineOf),
    {
      method: "POST",
      pattern: path("/2015-03-31/functions/:fn/invocations"),
      handler: invoke,
    },
  ];
  return route(routes, store);
}

/** The routes the whole plane serves (the same table as createControlPlane's). */
export function planeRoutes(store: Store) {
  return route(ROUTES, store);
}

/** The durable API the function itself calls, on its Runtime API port. */
export function functionApi(store: Store) {
  return route(functionRoutes(engineOf), store);
}

/** Records the emulator's own function `name`, running at `url`, as durable with `executionTimeout`. */
export function adoptEmulatorFunction(
  store: Store,
  name: string,
  url: string,
  executionTimeout: number,
): void {
  const fn: FunctionRecord = {
    ...functionRecord(
      store,
      name,
      {
        ...DEFAULT_SETTINGS,
        durable: {
          ExecutionTimeout: executionTimeout,
          RetentionPeriodInDays: 14,
        },
      },
      new Uint8Array(),
      "",
    ),
    revision: crypto.randomUUID(),
    phase: { name: "active" },
    // Its process is the emulator's own: the plane never closes it.
    runner: { url, close: () => Promise.resolve() },
  };
  store.functions.set(name, fn);
  store.settings.durable?.functionAvailable(name);
}
