// The emulator's command line run as `deno task emulator` runs it: its own process, its stderr kept, its URL read from its banner.
import { tail, type TextTail } from "./_text_tail.ts";

const root = new URL("..", import.meta.url).pathname;

/** A running `local/mod.ts` process. */
export interface EmulatorCli extends AsyncDisposable {
  /** The process, to signal or to await. */
  readonly process: Deno.ChildProcess;
  /** Where its invoke API listens, as its banner says. */
  readonly url: string;
  /** Its stderr: the banner, the platform's and the function's lines. */
  readonly stderr: TextTail;
}

/** `deno run -P=emulator local/mod.ts <args>` from the project's root, `env` added, stderr piped. */
export function emulatorCommand(
  args: string[],
  env: Record<string, string> = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=emulator",
      "--no-prompt",
      `${root}local/mod.ts`,
      ...args,
    ],
    cwd: root,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  });
}

/** Starts the emulator with `args` (an entry, `--port 0`, …) under the "emulator" permission set; disposing kills it. */
export async function startEmulatorCli(args: string[]): Promise<EmulatorCli> {
  const process = emulatorCommand(args).spawn();
  const stderr = tail(process.stderr);
  const dispose = async () => {
    try {
      process.kill("SIGKILL");
    } catch {
      // Already ended.
    }
    await process.status;
    await stderr[Symbol.asyncDispose]();
  };
  try {
    const [, url] = await stderr.match(/^Function .* on (http:\/\/\S+)$/m);
    return { process, url, stderr, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
