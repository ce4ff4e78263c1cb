/**
 * Starts {@link ./local_servers.ts} in its own Deno process (s3rver loads a
 * native module, so it needs the ffi grant the caller need not have) and
 * reads back the variables that point the AWS SDK at it.
 *
 * @module
 */

/** The servers' process, ended on dispose. */
export interface SpawnedServers extends AsyncDisposable {
  /** The variables that point the AWS SDK at the servers, with dummy credentials. */
  env: Record<string, string>;
}

/** The local servers' process ended before it said it was up. */
export class LocalServersError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "LocalServersError";
  }
}

/**
 * Spawns the local S3 and DynamoDB servers and waits until they serve.
 *
 * @example
 * ```ts ignore
 * await using servers = await spawnLocalServers();
 * console.log(servers.env.AWS_ENDPOINT_URL_S3);
 * ```
 */
export async function spawnLocalServers(): Promise<SpawnedServers> {
  const file = await Deno.makeTempFile({ prefix: "aws-sdk-env-" });
  // By name: the bench may run only the `deno` on PATH.
  const child = new Deno.Command("deno", {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-write=/tmp",
      "--allow-net=127.0.0.1",
      "--allow-env",
      "--allow-sys",
      "--allow-ffi",
      new URL("./local_servers.ts", import.meta.url).pathname,
      file,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("Stop with Ctrl-C.")) {
    const { value, done } = await reader.read();
    if (done) {
      await child.status;
      await Deno.remove(file).catch(() => {});
      throw new LocalServersError(
        `the local S3 and DynamoDB servers did not start; they printed: ${seen}`,
      );
    }
    seen += value;
  }
  const env: Record<string, string> = {};
  for (const line of (await Deno.readTextFile(file)).split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return {
    env,
    async [Symbol.asyncDispose]() {
      child.kill("SIGINT");
      await reader.cancel();
      await child.status;
      await Deno.remove(file).catch(() => {});
    },
  };
}
