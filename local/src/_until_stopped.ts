// Waits for Ctrl-C or SIGTERM, then closes with the listeners still installed.

/**
 * Resolves once `close` has run after the first SIGINT or SIGTERM (or once
 * `stopped`, when given, resolves: an idle limit). The
 * listeners stay until `close` is done: `deno task` forwards the terminal's
 * Ctrl-C to its child, which so gets SIGINT twice, and the second must not
 * kill the process while it ends the function it started.
 */
export async function untilStopped(
  close: () => Promise<void>,
  stopped?: Promise<void>,
): Promise<void> {
  const stop = Promise.withResolvers<void>();
  stopped?.then(stop.resolve);
  const onSignal = () => stop.resolve();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    await stop.promise;
    await close();
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}
