// The Extensions API and the Telemetry API's subscription as a route table: one entry and one handler each.
import type { IncomingMessage, ServerResponse } from "node:http";
import { drain, header, json, readJson } from "./_node_http.ts";
import {
  type HostParts,
  type Registration,
  registration,
} from "./_extension_state.ts";

/** One route: a method, an exact path, and its handler. */
export interface ExtensionRoute {
  /** The HTTP method. */
  readonly method: string;
  /** The path, without a trailing slash. */
  readonly path: string;
  /** Answers the request. */
  handler(
    host: HostParts,
    request: IncomingMessage,
    response: ServerResponse,
  ): void | Promise<void>;
}

/** Lambda's limit on registered extensions. */
const _MAX_EXTENSIONS = 10;

/** The routes, by method and path. */
export const EXTENSION_ROUTES: readonly ExtensionRoute[] = [
  {
    method: "POST",
    path: "/2020-01-01/extension/register",
    handler: _register,
  },
  { method: "GET", path: "/2020-01-01/extension/event/next", handler: _next },
  {
    method: "POST",
    path: "/2020-01-01/extension/init/error",
    handler: (host, request, response) =>
      _error("InitError", host, request, response),
  },
  {
    method: "POST",
    path: "/2020-01-01/extension/exit/error",
    handler: (host, request, response) =>
      _error("ExitError", host, request, response),
  },
  { method: "PUT", path: "/2022-07-01/telemetry", handler: _subscribe },
];

/** The registration a request names, else the 403 Lambda answers. */
function _byId(
  host: HostParts,
  request: IncomingMessage,
  response: ServerResponse,
): Registration | undefined {
  const id = header(request, "lambda-extension-identifier");
  const extension = id === undefined ? undefined : host.registered.get(id);
  if (extension === undefined) {
    json(response, 403, {
      errorMessage: id === undefined
        ? "Lambda-Extension-Identifier is missing"
        : `No extension is registered as ${id}`,
      errorType: "Extension.UnknownExtensionIdentifier",
    });
    return undefined;
  }
  if (extension.state.kind === "failed") {
    json(response, 403, {
      errorMessage:
        `Extension ${extension.name} reported an error; no further calls are accepted`,
      errorType: "Extension.InvalidExtensionState",
    });
    return undefined;
  }
  return extension;
}

/** Why Lambda would refuse this registration (status and body), if it would. */
function _refusal(
  host: HostParts,
  name: string | undefined,
  events: unknown,
): [number, Record<string, string>] | undefined {
  if (name === undefined || name === "") {
    return [400, {
      errorMessage: "Lambda-Extension-Name is required",
      errorType: "InvalidRequest",
    }];
  }
  if (
    !Array.isArray(events) ||
    events.some((event) => event !== "INVOKE" && event !== "SHUTDOWN")
  ) {
    return [400, {
      errorMessage: `events must be a list of INVOKE and SHUTDOWN, got ${
        JSON.stringify(events)
      }`,
      errorType: "InvalidEventType",
    }];
  }
  const launched = host.started.get(name);
  const external = launched !== undefined && !launched.exited;
  if (external && host.named(name) !== undefined) {
    return [409, {
      errorMessage: `Extension ${name} is already registered`,
      errorType: "Extension.AlreadyRegistered",
    }];
  }
  if (!external && events.includes("SHUTDOWN")) {
    return [400, {
      errorMessage:
        `${name} is an internal extension (no executable of that name in the extensions folder): internal extensions cannot register for SHUTDOWN`,
      errorType: "InvalidEventType",
    }];
  }
  if (!external && !host.options.inInit()) {
    return [403, {
      errorMessage:
        `Extension ${name} registered after the init phase: register before the runtime's first /invocation/next`,
      errorType: "Extension.InvalidRegistration",
    }];
  }
  return undefined;
}

async function _register(
  host: HostParts,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const name = header(request, "lambda-extension-name");
  const events = (await readJson(request))?.events ?? [];
  const refused = _refusal(host, name, events);
  if (refused !== undefined) return json(response, ...refused);
  const launched = host.started.get(name!);
  const external = launched !== undefined && !launched.exited;
  // The same internal extension from a restarted function process replaces the old one.
  const previous = host.named(name!);
  if (!external && previous !== undefined) {
    host.change(previous, { kind: "deregistered" });
  }
  if (host.registered.size >= _MAX_EXTENSIONS) {
    return json(response, 400, {
      errorMessage: `A function can have at most ${_MAX_EXTENSIONS} extensions`,
      errorType: "TooManyExtensions",
    });
  }
  const extension = registration(name!, events as string[], external);
  host.registered.set(extension.id, extension);
  host.notify();
  const features = header(request, "lambda-extension-accept-feature") ?? "";
  json(response, 200, {
    functionName: host.options.functionName,
    functionVersion: "$LATEST",
    handler: "bootstrap",
    ...(features.split(",").map((f) => f.trim()).includes("accountId")
      ? { accountId: "123456789012" }
      : {}),
  }, { "lambda-extension-identifier": extension.id });
}

function _next(
  host: HostParts,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const extension = _byId(host, request, response);
  if (extension === undefined) return;
  response.on("close", () => {
    host.change(extension, { kind: "poll closed", poll: response });
  });
  host.change(extension, { kind: "poll", poll: response });
  const state = extension.state;
  if (state.kind === "waiting" && state.poll === response) {
    host.options.onIdle?.();
  }
}

async function _error(
  state: "InitError" | "ExitError",
  host: HostParts,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const body = await readJson(request);
  const extension = _byId(host, request, response);
  if (extension === undefined) return;
  const errorType = header(request, "lambda-extension-function-error-type");
  if (errorType === undefined) {
    return json(response, 400, {
      errorMessage: "Lambda-Extension-Function-Error-Type is required",
      errorType: "InvalidRequest",
    });
  }
  host.change(extension, { kind: "error reported" });
  host.options.onIdle?.();
  const message = typeof body?.errorMessage === "string"
    ? `: ${body.errorMessage}`
    : "";
  host.platform(
    `EXTENSION\tName: ${extension.name}\tState: ${state}\tError Type: ${errorType}${message}`,
  );
  json(response, 202, { status: "OK" });
}

async function _subscribe(
  host: HostParts,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const extension = _byId(host, request, response);
  if (extension === undefined) return await drain(request);
  await host.telemetry.subscribe(extension.id, request, response);
}
