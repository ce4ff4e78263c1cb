/**
 * Where a feature keeps the current invocation's value (log attribution,
 * Node's InvokeStore): a plain variable while invocations run one at a
 * time, `AsyncLocalStorage` once they overlap. `node:async_hooks` costs
 * milliseconds of cold start, so it is loaded only when asked for.
 *
 * @module
 */

/** The current invocation's value, kept across the awaits of `run`'s callback. */
export interface InvocationSlot<T> {
  /** The value of the invocation the caller runs for, if any. */
  getStore(): T | undefined;
  /** Runs `fn` with `value` as the current one. */
  run<R>(value: T, fn: () => R): R;
}

/** A slot for invocations that never overlap: a variable set for the invocation's duration. */
export function sequentialSlot<T>(): InvocationSlot<T> {
  let current: T | undefined;
  return {
    getStore: () => current,
    run(value, fn) {
      const previous = current;
      current = value;
      let result;
      try {
        result = fn();
      } catch (error) {
        current = previous;
        throw error;
      }
      if (result instanceof Promise) {
        // then, not finally: finally makes two more promises per invocation.
        return result.then((value) => {
          current = previous;
          return value;
        }, (error) => {
          current = previous;
          throw error;
        }) as typeof result;
      }
      current = previous;
      return result;
    },
  };
}

/** A slot that stays right when invocations overlap; loads `node:async_hooks` now. */
export async function asyncSlot<T>(): Promise<InvocationSlot<T>> {
  const { AsyncLocalStorage } = await import("node:async_hooks");
  return new AsyncLocalStorage<T>();
}
