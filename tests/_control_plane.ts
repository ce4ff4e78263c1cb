// Helpers for the deploy tests: the echo example built into a portable zip (and variants of it), and
// the emulator's control plane in a process of its own.
import { unzipSync } from "npm:fflate@0.8.2";
import {
  CreateFunctionCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { createZip, type ZipInput } from "../scripts/zip.ts";
import { centralDirectory } from "./_zip_reader.ts";
import { type CliProcess, startCli } from "./_cli.ts";
import { sharedEchoZip } from "./_echo_build.ts";

/** A role ARN the control plane takes (it checks the shape only). */
export const ROLE = "arn:aws:iam::123456789012:role/local";

/** The SDK's waiters, polling from every 50 ms up to every half second, for up to a minute. */
export const WAITING = { maxWaitTime: 60, minDelay: 0.05, maxDelay: 0.5 };

/** The AWS SDK's Lambda client for a control plane at `url`, with test credentials. */
export function lambdaClient(url: string): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}

/** The host's architecture in Lambda's words and the build's. */
export const HOST_ARCH: { lambda: string; build: string } =
  Deno.build.arch === "aarch64"
    ? { lambda: "arm64", build: "arm64" }
    : { lambda: "x86_64", build: "x64" };

/** Creates `FunctionName` from a zip of the echo example (or a variant) for the host's architecture, with `Layers` when given, and waits until it is Active. */
export async function createActive(
  lambda: LambdaClient,
  FunctionName: string,
  zip: Uint8Array,
  Layers?: string[],
): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName,
      Role: ROLE,
      Runtime: "provided.al2023",
      Handler: "bootstrap",
      Architectures: [HOST_ARCH.lambda as "x86_64"],
      Code: { ZipFile: zip },
      Timeout: 10,
      ...(Layers === undefined ? {} : { Layers }),
    }),
  );
  await waitUntilFunctionActiveV2(
    { client: lambda, ...WAITING },
    { FunctionName },
  );
}

/** Copies examples/echo built with `scripts/build.ts --portable` (once, shared: tests/_echo_build.ts) to `out`; the zip's path. */
export async function buildEcho(out: string): Promise<string> {
  const zip = `${out}/${HOST_ARCH.build}/function.zip`;
  await Deno.mkdir(`${out}/${HOST_ARCH.build}`, { recursive: true });
  await Deno.copyFile(await sharedEchoZip(), zip);
  return zip;
}

/** A temporary folder, removed when the test process ends, holding the echo example built. */
export interface EchoFixture {
  /** The folder. */
  work: string;
  /** The built zip's path. */
  zipPath: string;
  /** Its bytes. */
  zip: Uint8Array<ArrayBuffer>;
}

/** Makes a work folder named `prefix…` and builds the echo example into it. */
export async function echoFixture(prefix: string): Promise<EchoFixture> {
  const work = await Deno.makeTempDir({ prefix });
  // Removed however many of the tests a --filter runs.
  globalThis.addEventListener("unload", () => {
    Deno.removeSync(work, { recursive: true });
  });
  const zipPath = await buildEcho(`${work}/dist`);
  return { work, zipPath, zip: await Deno.readFile(zipPath) };
}

/** A process serving `deno task emulator --control-plane --port 0`. */
export type ControlPlaneProcess = CliProcess;

/** Another function made of a built zip: `main.js` edited, files added, deflated at `level` (1 by default; 0 is fast and over 50 MB); written to `out`. */
export async function variantZip(
  zip: Uint8Array,
  out: string,
  change: { edit?: (js: string) => string; add?: ZipInput[]; level?: 0 | 1 },
): Promise<string> {
  const executable = new Set(
    centralDirectory(zip).filter((record) => record.unixMode & 0o100).map((
      record,
    ) => record.name),
  );
  const files: ZipInput[] = Object.entries(unzipSync(zip))
    .filter(([name]) => !name.endsWith("/"))
    .map(([name, data]) => ({
      name,
      data: name === "main.js" && change.edit
        ? new TextEncoder().encode(change.edit(new TextDecoder().decode(data)))
        : data,
      executable: executable.has(name),
    }));
  await Deno.writeFile(
    out,
    createZip([...files, ...change.add ?? []], { level: change.level ?? 1 }),
  );
  return out;
}

/** Starts the emulator CLI with `--control-plane`, no function, and `args` (e.g. `--s3-endpoint URL`), `env` added to its environment. */
export function startControlPlane(
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ControlPlaneProcess> {
  return startCli(
    ["--control-plane", "--port", "0", ...args],
    /Control plane on (http:\/\/\S+)/,
    env,
  );
}
