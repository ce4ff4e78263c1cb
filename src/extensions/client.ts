/**
 * A client for Lambda's Extensions API, to write extensions in Deno:
 * internal ones (in the function's process) and external ones (an
 * executable under `/opt/extensions`, shipped as a layer).
 *
 * - {@linkcode createExtensionsApi} → `register(name, events)` returns an
 *   {@linkcode Extension} bound to its `Lambda-Extension-Identifier`.
 * - `extension.events()` iterates the `INVOKE` and `SHUTDOWN` events (typed);
 *   calling for the next event is what tells Lambda the extension is done
 *   with the previous one.
 * - `extension.initError()` / `extension.exitError()` report a failure.
 * - `extension.subscribeTelemetry()` subscribes to the Telemetry API, and
 *   {@linkcode listenTelemetry} is the HTTP listener it delivers to.
 *
 * Registration must happen during the init phase: an external extension
 * registers as soon as it starts, an internal one before the runtime's first
 * `/invocation/next`. An internal extension may not register for `SHUTDOWN`.
 *
 * @example An external extension
 * ```ts ignore
 * import { createExtensionsApi } from "@rtl/lambda/extensions";
 *
 * const api = createExtensionsApi(Deno.env.get("AWS_LAMBDA_RUNTIME_API")!);
 * const extension = await api.register("my-extension", ["INVOKE", "SHUTDOWN"]);
 * for await (const event of extension.events()) {
 *   if (event.eventType === "INVOKE") console.log("invoked", event.requestId);
 *   else console.log("shutting down:", event.shutdownReason);
 * }
 * ```
 *
 * @module
 */

import {
  type ErrorReport,
  formatError,
  RuntimeApiError,
} from "../core/errors.ts";
import { expectStatus, openChannel, type Send } from "../core/_client.ts";
import { type Transport, USER_AGENT } from "../core/runtime_api.ts";

export {
  listenTelemetry,
  sandboxHostname,
  type TelemetryEvent,
  type TelemetryListener,
  type TelemetryListenerOptions,
} from "./telemetry.ts";

/**
 * The lifecycle events an extension can register for.
 *
 * @example
 * ```ts
 * import type { ExtensionEventType } from "@rtl/lambda/extensions";
 *
 * const events: ExtensionEventType[] = ["INVOKE", "SHUTDOWN"];
 * ```
 */
export type ExtensionEventType = "INVOKE" | "SHUTDOWN";

/**
 * An invocation started. It carries no payload: only its metadata.
 *
 * @example
 * ```ts
 * import type { InvokeEvent } from "@rtl/lambda/extensions";
 *
 * const event: InvokeEvent = {
 *   eventType: "INVOKE",
 *   deadlineMs: 1700000003000,
 *   requestId: "3da1f2dc-3222-475e-9205-e2e6c6318895",
 *   invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:ExtensionTest",
 *   tracing: { type: "X-Amzn-Trace-Id", value: "Root=1-5f35ae12-0c0fec141ab77a00bc047aa2;Parent=2be948a625588e32;Sampled=1" },
 * };
 * ```
 */
export interface InvokeEvent {
  /** `INVOKE`. */
  eventType: "INVOKE";
  /** When the invocation times out, in Unix milliseconds. */
  deadlineMs: number;
  /** The invocation's request id. */
  requestId: string;
  /** The ARN the function was invoked with. */
  invokedFunctionArn: string;
  /** The X-Ray trace header. */
  tracing?: { type: string; value: string };
}

/**
 * The execution environment is shutting down: finish within `deadlineMs`.
 *
 * @example
 * ```ts
 * import type { ShutdownEvent } from "@rtl/lambda/extensions";
 *
 * const event: ShutdownEvent = { eventType: "SHUTDOWN", shutdownReason: "spindown", deadlineMs: 1700000002000 };
 * ```
 */
export interface ShutdownEvent {
  /** `SHUTDOWN`. */
  eventType: "SHUTDOWN";
  /** Why: `spindown` (normal), `timeout` or `failure`. */
  shutdownReason: string;
  /** When the shutdown phase ends (and what is left is killed), in Unix milliseconds. */
  deadlineMs: number;
}

/**
 * An event from `/extension/event/next`.
 *
 * @example
 * ```ts
 * import type { ExtensionEvent } from "@rtl/lambda/extensions";
 *
 * function describe(event: ExtensionEvent): string {
 *   return event.eventType === "INVOKE" ? event.requestId : event.shutdownReason;
 * }
 * ```
 */
export type ExtensionEvent = InvokeEvent | ShutdownEvent;

/**
 * What Lambda answers to a registration.
 *
 * @example
 * ```ts
 * import type { ExtensionInfo } from "@rtl/lambda/extensions";
 *
 * const info: ExtensionInfo = { functionName: "helloWorld", functionVersion: "$LATEST", handler: "bootstrap" };
 * ```
 */
export interface ExtensionInfo {
  /** The function's name. */
  functionName: string;
  /** The function's version. */
  functionVersion: string;
  /** The function's handler setting. */
  handler: string;
  /** The account id, when registered with the `accountId` feature. */
  accountId?: string;
}

/**
 * Options for {@linkcode createExtensionsApi}.
 *
 * @example
 * ```ts
 * import type { ExtensionsApiOptions } from "@rtl/lambda/extensions";
 *
 * const options: ExtensionsApiOptions = { transport: fetch };
 * ```
 */
export interface ExtensionsApiOptions {
  /** The HTTP transport; when absent, `fetch` for `next` and a raw-socket client for what must reach the API at most once. */
  transport?: Transport;
  /** `User-Agent` sent with every request; `rtl-lambda/<version>` when absent. */
  userAgent?: string;
}

/**
 * Options for {@linkcode ExtensionsApi.register}.
 *
 * @example
 * ```ts
 * import type { RegisterOptions } from "@rtl/lambda/extensions";
 *
 * const options: RegisterOptions = { acceptFeatures: ["accountId"] };
 * ```
 */
export interface RegisterOptions {
  /** `Lambda-Extension-Accept-Feature`: optional features, such as `accountId`. */
  acceptFeatures?: string[];
}

/**
 * The telemetry streams an extension can subscribe to.
 *
 * @example
 * ```ts
 * import type { TelemetryType } from "@rtl/lambda/extensions";
 *
 * const types: TelemetryType[] = ["function", "extension"];
 * ```
 */
export type TelemetryType = "platform" | "function" | "extension";

/**
 * A Telemetry API subscription.
 *
 * @example
 * ```ts
 * import type { TelemetrySubscription } from "@rtl/lambda/extensions";
 *
 * const subscription: TelemetrySubscription = {
 *   uri: "http://sandbox.localdomain:4243",
 *   types: ["function"],
 *   buffering: { timeoutMs: 100 },
 * };
 * ```
 */
export interface TelemetrySubscription {
  /** Where Lambda POSTs the batches: the listener's address. */
  uri: string;
  /** The streams wanted. */
  types: TelemetryType[];
  /** How Lambda batches events; its defaults (1000 items, 256 KiB, 100 ms) when absent. */
  buffering?: { maxItems?: number; maxBytes?: number; timeoutMs?: number };
  /** The event schema; `2022-12-13` when absent. */
  schemaVersion?: string;
}

/**
 * A registered extension: its identifier, and the calls that need it.
 *
 * @example
 * ```ts ignore
 * import { createExtensionsApi } from "@rtl/lambda/extensions";
 *
 * const extension = await createExtensionsApi("127.0.0.1:9001").register("x", ["INVOKE"]);
 * const event = await extension.next();
 * ```
 */
export interface Extension {
  /** `Lambda-Extension-Identifier`. */
  readonly id: string;
  /** The name it registered with. */
  readonly name: string;
  /** What Lambda answered to the registration. */
  readonly info: ExtensionInfo;
  /** Waits for the next event (no timeout), telling Lambda the previous one is handled. */
  next(signal?: AbortSignal): Promise<ExtensionEvent>;
  /** The events, one `next()` at a time, ending after `SHUTDOWN` or when `signal` aborts. */
  events(signal?: AbortSignal): AsyncIterableIterator<ExtensionEvent>;
  /** Reports a failure during init (`/extension/init/error`); the extension should then exit. */
  initError(error: unknown, errorType?: string): Promise<void>;
  /** Reports a failure before exiting (`/extension/exit/error`); the extension should then exit. */
  exitError(error: unknown, errorType?: string): Promise<void>;
  /** Subscribes to the Telemetry API (`PUT /2022-07-01/telemetry`). */
  subscribeTelemetry(subscription: TelemetrySubscription): Promise<void>;
}

/**
 * The Extensions API: registration, from which everything else follows.
 *
 * @example
 * ```ts ignore
 * import { createExtensionsApi } from "@rtl/lambda/extensions";
 *
 * const api = createExtensionsApi(Deno.env.get("AWS_LAMBDA_RUNTIME_API")!);
 * const extension = await api.register("my-extension", ["INVOKE", "SHUTDOWN"]);
 * ```
 */
export interface ExtensionsApi {
  /**
   * `POST /2020-01-01/extension/register` with `Lambda-Extension-Name`.
   * An external extension's name must be its executable's file name.
   */
  register(
    name: string,
    events: ExtensionEventType[],
    options?: RegisterOptions,
  ): Promise<Extension>;
}

/**
 * The Extensions or Telemetry API answered with an unexpected status, or
 * could not be reached (`status` 0). The Runtime API's error class with
 * the same `operation` and `status`, under its own name.
 *
 * @example
 * ```ts
 * import { ExtensionsApiError } from "@rtl/lambda/extensions";
 * import assert from "node:assert/strict";
 *
 * const error = new ExtensionsApiError("register", 403, "forbidden");
 * assert.equal(error.name, "ExtensionsApiError");
 * assert.equal(error.status, 403);
 * ```
 */
export class ExtensionsApiError extends RuntimeApiError {
  /** Creates the error. */
  constructor(
    operation: string,
    status: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(operation, status, detail, { ...options, api: "Extensions API" });
    this.name = "ExtensionsApiError";
  }
}

/**
 * Creates an Extensions API client for `host:port` (the value of
 * `AWS_LAMBDA_RUNTIME_API`) over a `fetch`-compatible transport.
 *
 * @example Registering against a stand-in API
 * ```ts
 * import { createExtensionsApi } from "@rtl/lambda/extensions";
 * import assert from "node:assert/strict";
 *
 * const api = createExtensionsApi("127.0.0.1:9001", {
 *   transport: async () =>
 *     Response.json(
 *       { functionName: "f", functionVersion: "$LATEST", handler: "bootstrap" },
 *       { headers: { "lambda-extension-identifier": "7f4b2c" } },
 *     ),
 * });
 * const extension = await api.register("probe", ["INVOKE"]);
 * assert.equal(extension.id, "7f4b2c");
 * assert.equal(extension.info.functionName, "f");
 * ```
 */
export function createExtensionsApi(
  host: string,
  options: ExtensionsApiOptions = {},
): ExtensionsApi {
  const userAgent = options.userAgent ?? USER_AGENT;
  // The Runtime API's channel: `next` may be asked again, a registration, report or subscription reaches it at most once.
  const { send, base } = openChannel(host, options.transport, _error);
  const expect: _Expect = (operation, response, ok) =>
    expectStatus(operation, response, ok, _error);

  return {
    async register(name, events, registerOptions) {
      const headers: Record<string, string> = {
        "user-agent": userAgent,
        "content-type": "application/json",
        "lambda-extension-name": name,
      };
      const features = registerOptions?.acceptFeatures;
      if (features !== undefined && features.length > 0) {
        headers["lambda-extension-accept-feature"] = features.join(",");
      }
      const response = await send(
        "register",
        `${base}/2020-01-01/extension/register`,
        { method: "POST", headers, body: JSON.stringify({ events }) },
        true,
      );
      await expect("register", response, [200]);
      const id = response.headers.get("lambda-extension-identifier");
      const info = await response.json().catch(() => ({})) as Partial<
        ExtensionInfo
      >;
      if (id === null || id === "") {
        throw new ExtensionsApiError(
          "register",
          response.status,
          "the answer has no Lambda-Extension-Identifier header",
        );
      }
      return _extension(send, expect, base, userAgent, id, name, {
        functionName: info.functionName ?? "",
        functionVersion: info.functionVersion ?? "",
        handler: info.handler ?? "",
        ...(info.accountId === undefined ? {} : { accountId: info.accountId }),
      });
    },
  };
}

type _Expect = (
  operation: string,
  response: Response,
  ok: number[],
) => Promise<void>;

function _extension(
  send: Send,
  expect: _Expect,
  base: string,
  userAgent: string,
  id: string,
  name: string,
  info: ExtensionInfo,
): Extension {
  const idHeaders = {
    "user-agent": userAgent,
    "lambda-extension-identifier": id,
  };

  async function reportError(
    operation: "init/error" | "exit/error",
    error: unknown,
    errorType: string | undefined,
  ): Promise<void> {
    const report: ErrorReport = formatError(error);
    const type = errorType ?? `Extension.${report.errorType}`;
    const response = await send(
      operation,
      `${base}/2020-01-01/extension/${operation}`,
      {
        method: "POST",
        headers: {
          ...idHeaders,
          "content-type": "application/json",
          "lambda-extension-function-error-type": type,
        },
        body: JSON.stringify({ ...report, errorType: type }),
      },
      true,
    );
    await expect(operation, response, [200, 202]);
    await response.body?.cancel();
  }

  const extension: Extension = {
    id,
    name,
    info,
    async next(signal) {
      const response = await send(
        "next",
        `${base}/2020-01-01/extension/event/next`,
        { headers: idHeaders, signal },
      );
      await expect("next", response, [200]);
      const event = await response.json() as ExtensionEvent;
      if (event?.eventType !== "INVOKE" && event?.eventType !== "SHUTDOWN") {
        throw new ExtensionsApiError(
          "next",
          response.status,
          `unknown event ${JSON.stringify(event).slice(0, 200)}`,
        );
      }
      return event;
    },
    async *events(signal) {
      while (!signal?.aborted) {
        let event: ExtensionEvent;
        try {
          event = await extension.next(signal);
        } catch (error) {
          if (signal?.aborted) return;
          throw error;
        }
        yield event;
        if (event.eventType === "SHUTDOWN") return;
      }
    },
    initError(error, errorType) {
      return reportError("init/error", error, errorType);
    },
    exitError(error, errorType) {
      return reportError("exit/error", error, errorType);
    },
    async subscribeTelemetry(subscription) {
      const response = await send(
        "telemetry",
        `${base}/2022-07-01/telemetry`,
        {
          method: "PUT",
          headers: { ...idHeaders, "content-type": "application/json" },
          body: JSON.stringify({
            schemaVersion: subscription.schemaVersion ?? "2022-12-13",
            destination: { protocol: "HTTP", URI: subscription.uri },
            types: subscription.types,
            ...(subscription.buffering === undefined
              ? {}
              : { buffering: subscription.buffering }),
          }),
        },
        true,
      );
      await expect("telemetry", response, [200]);
      await response.body?.cancel();
    },
  };
  return extension;
}

function _error(
  operation: string,
  status: number,
  detail: string,
  options?: ErrorOptions,
): ExtensionsApiError {
  return new ExtensionsApiError(operation, status, detail, options);
}
