// The emulator's command line in a process of its own, read until it says where it listens.
import { emulatorCommand } from "./_emulator_cli.ts";

/** The emulator CLI running; disposing of it stops it (SIGTERM) and waits. */
export interface CliProcess extends AsyncDisposable {
  /** The URL its first stderr line matching the `ready` pattern captured. */
  readonly url: string;
  /** What it wrote to stderr so far. */
  output(): string;
  /** Sends `signal` (SIGKILL: the emulator dies as in a crash) and waits for it to end. */
  kill(signal: Deno.Signal): Promise<void>;
}

/** Starts `deno run -P=emulator local/mod.ts <args>` (with `env` added to its environment) and waits for `ready` (its group 1 is the URL) on stderr. */
export async function startCli(
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
): Promise<CliProcess> {
  // The S3 endpoint is what the test passes, never the machine's.
  const child = emulatorCommand(args, {
    AWS_ENDPOINT_URL_S3: "",
    AWS_ENDPOINT_URL: "",
    ...env,
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let match: RegExpMatchArray | null = null;
  while ((match = seen.match(ready)) === null) {
    const { value, done } = await reader.read();
    if (done) {
      await child.status;
      throw new Error(`the emulator did not start: ${seen}`);
    }
    seen += value;
  }
  // Keep reading so the function's lines never fill the pipe.
  const draining = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      seen += value;
    }
  })();
  const kill = async (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // Ended already.
    }
    await child.status;
    await draining;
  };
  return {
    url: match[1],
    output: () => seen,
    kill,
    [Symbol.asyncDispose]: () => kill("SIGTERM"),
  };
}
