// Local S3 (s3rver) and DynamoDB (dynalite) in a process of their own, for the tests that need AWS services.

// s3rver loads a native module, so the servers run in their own process with the ffi grant.
/** Starts examples/aws_sdk/local_servers.ts; `env` points the AWS SDK at both servers (`AWS_ENDPOINT_URL_S3`, …). */
export async function startServers(): Promise<
  AsyncDisposable & { env: Record<string, string> }
> {
  const file = await Deno.makeTempFile({ prefix: "aws-sdk-env-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-write=/tmp",
      "--allow-net=127.0.0.1",
      "--allow-env",
      "--allow-sys",
      "--allow-ffi",
      new URL("../examples/aws_sdk/local_servers.ts", import.meta.url).pathname,
      file,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("Stop with Ctrl-C.")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the local servers did not start: ${seen}`);
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
      await Deno.remove(file);
    },
  };
}
