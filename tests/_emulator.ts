// Starts a function file under the project's emulator, the way Lambda runs it: a separate process over loopback.
import assert from "node:assert/strict";
import {
  type Emulator,
  type EmulatorOptions,
  startEmulator,
} from "../local/mod.ts";

/** An emulator whose output lines are kept for the test to read. */
export interface TestEmulator extends Emulator {
  /** Every line the function and the platform wrote, in order. */
  readonly lines: { line: string; source: string }[];
  /** Invokes with a JSON value and returns the status, function-error header and parsed body. */
  call(
    event: unknown,
    headers?: HeadersInit,
  ): Promise<
    {
      status: number;
      functionError: string | null;
      // deno-lint-ignore no-explicit-any
      body: any;
      requestId: string | null;
    }
  >;
}

/** The path of a file in this folder or below. */
export function fixture(path: string): string {
  return new URL(path, import.meta.url).pathname;
}

/** How `emulate` runs the entry, beyond the emulator's own options. */
export interface EmulateOptions extends Partial<EmulatorOptions> {
  /** The function's permission flags; default `--allow-env --allow-net=127.0.0.1`. */
  permissions?: string[];
  /** More `deno run` flags, after the permissions. */
  denoFlags?: string[];
}

/** Runs `entry` with deno, least privilege, under a new emulator on port 0. */
export async function emulate(
  entry: string,
  options: EmulateOptions = {},
): Promise<TestEmulator> {
  const lines: { line: string; source: string }[] = [];
  const {
    permissions = ["--allow-env", "--allow-net=127.0.0.1"],
    denoFlags = [],
    ...rest
  } = options;
  const emulator = await startEmulator({
    command: [
      Deno.execPath(),
      "run",
      "--no-prompt",
      ...permissions,
      ...denoFlags,
      entry,
    ],
    port: 0,
    output: (line, source) => lines.push({ line, source }),
    ...rest,
  });
  return Object.assign(emulator, {
    lines,
    async call(event: unknown, headers?: HeadersInit) {
      const response = await emulator.invoke(
        typeof event === "string" && options.env?.RAW === "1"
          ? event
          : JSON.stringify(event),
        { headers },
      );
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: the text itself.
      }
      return {
        status: response.status,
        functionError: response.headers.get("x-amz-function-error"),
        body,
        requestId: response.headers.get("x-amzn-requestid"),
      };
    },
  });
}

/** The platform's lines between the REPORT of `requestId` and the next START (or the end). */
export function afterReport(
  emulator: TestEmulator,
  requestId: string,
): string[] {
  const lines = emulator.lines.map((one) => one.line);
  const at = lines.findIndex((line) =>
    line.startsWith(`REPORT RequestId: ${requestId}\t`)
  );
  assert.ok(at >= 0, `no REPORT for ${requestId}: ${lines.join("\n")}`);
  const rest = lines.slice(at + 1);
  const next = rest.findIndex((line) => line.startsWith("START "));
  return next < 0 ? rest : rest.slice(0, next);
}
