/**
 * An InvokeStore with the shape of `@aws/lambda-invoke-store`, the
 * per-invocation context Lambda's Node runtime keeps on
 * `globalThis.awslambda.InvokeStore`: request id, X-Ray trace id and tenant
 * id under protected keys, plus any key a library sets (Powertools keeps its
 * per-invocation state there when `AWS_LAMBDA_MAX_CONCURRENCY` is set).
 *
 * @module
 */

import {
  asyncSlot,
  type InvocationSlot,
  sequentialSlot,
} from "../_invocation_slot.ts";

/** The keys the runtime sets and libraries may not overwrite. */
export const PROTECTED_KEYS: {
  readonly REQUEST_ID: symbol;
  readonly X_RAY_TRACE_ID: symbol;
  readonly TENANT_ID: symbol;
} = {
  REQUEST_ID: Symbol.for("_AWS_LAMBDA_REQUEST_ID"),
  X_RAY_TRACE_ID: Symbol.for("_AWS_LAMBDA_X_RAY_TRACE_ID"),
  TENANT_ID: Symbol.for("_AWS_LAMBDA_TENANT_ID"),
};

/** One invocation's values, by string or symbol key. */
export type InvokeContext = Record<string | symbol, unknown>;

/** Thrown when a library sets one of {@linkcode PROTECTED_KEYS}. */
export class ProtectedKeyError extends Error {
  /** Creates the error. */
  constructor(key: string | symbol) {
    super(`Cannot modify protected Lambda context field: ${String(key)}`);
    this.name = "ProtectedKeyError";
  }
}

/**
 * The store: one context per invocation. A plain variable while invocations
 * run one at a time; {@linkcode InvokeStore.useAsyncContext} switches to
 * AsyncLocalStorage, so K > 1 stays apart.
 */
export class InvokeStore {
  /** The keys the runtime sets. */
  readonly PROTECTED_KEYS: typeof PROTECTED_KEYS = PROTECTED_KEYS;
  #storage: InvocationSlot<InvokeContext> = sequentialSlot();
  #async = false;

  /** Keeps contexts apart across overlapping invocations; loads `node:async_hooks` once. */
  async useAsyncContext(): Promise<void> {
    if (this.#async) return;
    this.#async = true;
    this.#storage = await asyncSlot<InvokeContext>();
  }

  /** Runs `fn` with its own copy of `context`. */
  run<T>(context: InvokeContext, fn: () => T): T {
    return this.#storage.run({ ...context }, fn);
  }

  /** The current invocation's context, or undefined outside one (init). */
  getContext(): InvokeContext | undefined {
    return this.#storage.getStore();
  }

  /** Whether an invocation's context is active. */
  hasContext(): boolean {
    return this.#storage.getStore() !== undefined;
  }

  /** A value of the current invocation. */
  get<T = unknown>(key: string | symbol): T | undefined {
    return this.#storage.getStore()?.[key] as T | undefined;
  }

  /** Sets a value for the current invocation; protected keys are refused. */
  set(key: string | symbol, value: unknown): void {
    if (this.isProtectedKey(key)) throw new ProtectedKeyError(key);
    const context = this.#storage.getStore();
    if (context) context[key] = value;
  }

  /** Whether `key` is one the runtime sets. */
  isProtectedKey(key: string | symbol): boolean {
    return (Object.values(PROTECTED_KEYS) as (string | symbol)[]).includes(
      key,
    );
  }

  /** The current request id, `-` outside an invocation as the Node runtime answers. */
  getRequestId(): string {
    return this.get<string>(PROTECTED_KEYS.REQUEST_ID) ?? "-";
  }

  /** The current invocation's X-Ray trace header. */
  getXRayTraceId(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.X_RAY_TRACE_ID);
  }

  /** The current invocation's tenant id. */
  getTenantId(): string | undefined {
    return this.get<string>(PROTECTED_KEYS.TENANT_ID);
  }
}
