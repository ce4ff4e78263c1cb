// Invocations in flight on each runner: an update retires the old process only once they have answered,
// as Lambda lets them finish on the code they started on.
import type { Runner } from "../deployed_function.ts";

const _counts = new WeakMap<Runner, number>();
const _drained = new WeakMap<Runner, PromiseWithResolvers<void>>();

/** Passes a request to `runner` through `send`, counted in flight until its answer's body has been read or dropped. */
export async function through(
  runner: Runner,
  send: (runner: Runner) => Promise<Response>,
): Promise<Response> {
  _counts.set(runner, (_counts.get(runner) ?? 0) + 1);
  let response: Response;
  try {
    response = await send(runner);
  } catch (error) {
    _done(runner);
    throw error;
  }
  if (response.body === null) {
    _done(runner);
    return response;
  }
  let ended = false;
  const end = () => {
    if (!ended) _done(runner);
    ended = true;
  };
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return new Response(body, response);
}

/** Closes `runner` once nothing is in flight on it. */
export async function retire(runner: Runner): Promise<void> {
  if ((_counts.get(runner) ?? 0) > 0) {
    const drained = Promise.withResolvers<void>();
    _drained.set(runner, drained);
    await drained.promise;
  }
  await runner.close();
}

function _done(runner: Runner): void {
  const count = (_counts.get(runner) ?? 1) - 1;
  _counts.set(runner, count);
  if (count === 0) _drained.get(runner)?.resolve();
}
