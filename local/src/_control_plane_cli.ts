// `deno task emulator --control-plane` with no function: the control plane alone until Ctrl-C.
import type { ControlPlaneOptions } from "./control_plane.ts";
import { serveControlPlane } from "./control_plane_server.ts";
import { untilStopped } from "./_until_stopped.ts";
import { durableBanner } from "./_cli_durable.ts";
import { explainListenError, isLoopbackHost } from "./_beyond_loopback.ts";

/** Serves the control plane on `host:port` until SIGINT or SIGTERM; the exit code. */
export async function runControlPlane(
  hostname: string,
  port: number,
  options: Pick<
    ControlPlaneOptions,
    "s3Endpoint" | "credentials" | "durable"
  > = {},
): Promise<number> {
  let server;
  try {
    server = await serveControlPlane({ hostname, port, ...options });
  } catch (error) {
    const explained = explainListenError(error, hostname);
    console.error(
      explained instanceof Error ? explained.message : String(explained),
    );
    return 1;
  }
  console.error(
    `Control plane on ${server.url} (${
      isLoopbackHost(hostname)
        ? "the Lambda API's requests are not signature-checked: keep it on loopback"
        : "the Lambda API's requests must be signed"
    })\n` +
      (options.credentials === undefined
        ? "AWS_IAM function URLs refuse every request: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to check signatures against\n"
        : `AWS_IAM function URLs check signatures against AWS_ACCESS_KEY_ID ${options.credentials.accessKeyId}\n`) +
      (options.s3Endpoint === undefined
        ? "Code in S3 (S3Bucket/S3Key) needs --s3-endpoint URL: none is set\n"
        : `Code in S3 (S3Bucket/S3Key) is read from ${options.s3Endpoint}\n`) +
      (options.durable === undefined
        ? ""
        : `${durableBanner(options.durable)}\n`) +
      `Deploy to it: deno task deploy --endpoint-url ${server.url} --name NAME --role arn:aws:iam::123456789012:role/local\n` +
      `Stop with Ctrl-C.`,
  );
  await untilStopped(() => server.close());
  return 0;
}
