/**
 * A runtime process under a bench: its output drained (a full pipe would
 * block it) with the last 4 KB kept, a wait that fails when it exits or
 * stalls first, and an end that always kills and reaps it.
 *
 * @module
 */

/** A spawned process watched until disposed. */
export interface WatchedProcess extends AsyncDisposable {
  /**
   * `work`'s value, unless the process exits first or `stallMs` pass: then
   * the process is ended and `fail` makes the error from what happened
   * (`stalled`, `exited with code N`) and its last output.
   */
  race<T>(
    work: Promise<T>,
    stallMs: number,
    fail: (message: string) => Error,
  ): Promise<T>;
}

/**
 * Watches `child`, spawned with stdout and stderr piped.
 *
 * @example
 * ```ts ignore
 * import { watch } from "./watched.ts";
 *
 * await using watched = watch(new Deno.Command("deno", { args: ["run", "main.ts"], stdout: "piped", stderr: "piped" }).spawn());
 * const result = await watched.race(feeder.done, 30_000, (message) => new Error(`deno ${message}`));
 * ```
 */
export function watch(child: Deno.ChildProcess): WatchedProcess {
  const output = _tail(child.stdout, child.stderr).catch(() => "");
  let exited = false;
  const status = child.status.then((value) => {
    exited = true;
    return value;
  });
  const end = async () => {
    if (!exited) child.kill("SIGKILL");
    await status;
  };
  return {
    async race(work, stallMs, fail) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new _Failed("stalled")), stallMs);
      });
      const died = status.then((value) => {
        throw new _Failed(`exited with code ${value.code}`);
      });
      try {
        return await Promise.race([work, died, stalled]);
      } catch (error) {
        if (!(error instanceof _Failed)) throw error;
        await end();
        throw fail(`${error.message}; its last output:\n${await output}`);
      } finally {
        clearTimeout(timer);
      }
    },
    async [Symbol.asyncDispose]() {
      await end();
      await output;
    },
  };
}

// What made the wait fail, told apart from the work's own errors.
class _Failed extends Error {}

async function _tail(
  ...streams: ReadableStream<Uint8Array>[]
): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  await Promise.all(streams.map(async (stream) => {
    for await (const chunk of stream) {
      text = (text + decoder.decode(chunk, { stream: true })).slice(-4096);
    }
  }));
  return text;
}
