// Helpers for the deploy tests: the echo example built into a portable zip, and the emulator's
// control plane in a process of its own.
const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const cacheDir = `/tmp/rtl-lambda-test-cache-${Deno.env.get("USER") ?? "user"}`;

/** The host's architecture in Lambda's words and the build's. */
export const HOST_ARCH: { lambda: string; build: string } =
  Deno.build.arch === "aarch64"
    ? { lambda: "arm64", build: "arm64" }
    : { lambda: "x86_64", build: "x64" };

/** Builds examples/echo with `scripts/build.ts --portable` into `out`; the zip's path. */
export async function buildEcho(out: string): Promise<string> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=build",
      "--allow-sys=uid",
      "--no-prompt",
      `${root}/scripts/build.ts`,
      `--entry=${root}/examples/echo/main.ts`,
      "--portable",
      `--target=${HOST_ARCH.build}`,
      `--out=${out}`,
      `--cache-dir=${cacheDir}`,
    ],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`the build failed: ${new TextDecoder().decode(stderr)}`);
  }
  return `${out}/${HOST_ARCH.build}/function.zip`;
}

/** A process serving `deno task emulator --control-plane --port 0`. */
export interface ControlPlaneProcess extends AsyncDisposable {
  readonly url: string;
  /** What it wrote to stderr so far. */
  output(): string;
}

/** Starts the emulator CLI with `--control-plane` and no function. */
export async function startControlPlane(): Promise<ControlPlaneProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=emulator",
      "--no-prompt",
      `${root}/src/emulator/mod.ts`,
      "--control-plane",
      "--port",
      "0",
    ],
    cwd: root,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let match: RegExpMatchArray | null = null;
  while ((match = seen.match(/Control plane on (http:\/\/\S+)/)) === null) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the control plane did not start: ${seen}`);
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
  return {
    url: match[1],
    output: () => seen,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
      await draining;
    },
  };
}
