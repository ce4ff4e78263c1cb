/**
 * `deno task invoke`: sends a named sample event (or a file, or inline
 * JSON) to a running emulator and prints the result and the log tail; for a
 * durable function on the local Lambda, names the execution, completes its
 * callbacks and prints its history as it grows.
 *
 * ```sh
 * deno task emulator examples/echo/main.ts &
 * deno task invoke sqs
 * deno task invoke --file event.json --name my-function --url http://127.0.0.1:9000
 * deno task invoke --name orders --data '{"id":"o-1"}' --durable-execution-name o-1 --async --watch
 * deno task invoke --callback-success CALLBACK_ID --data '{"approved":true}'
 * deno task invoke --history EXECUTION_ARN --watch
 * deno task invoke --list
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { invoke, InvokeError } from "./invoke/invoke.ts";
import { SAMPLES } from "./invoke/samples.ts";
import { durableCommand, isDurableCommand } from "./invoke/commands.ts";

const _USAGE =
  `Invokes a function running under the emulator with a sample event.

Usage: deno task invoke [SAMPLE] [options]

  SAMPLE            a sample event's name (deno task invoke --list)
  --file FILE       send this file instead (- for stdin)
  --data JSON       send this text instead
  --url URL         the emulator (default http://127.0.0.1:9000)
  --name NAME       the function (default function)
  --print-event     print the event and send nothing
  --list            the samples
  --help            this text

A durable function (on the local Lambda: deno task emulator --control-plane):
  --durable-execution-name N  name the execution (the same name and input find it again)
  --async                     invoke with InvocationType Event: print the execution's ARN at once
  --watch                     then print its history as it grows, until it closes
  --history ARN               print an execution's history (--watch: follow it until it closes)
  --callback-success ID       complete a callback with --data JSON (or --file)
  --callback-failure ID       fail a callback: --error-type T --error-message M [--data DATA]
  --callback-heartbeat ID     tell a callback's waiter that work on it goes on
  --interval MS               how often --watch polls (default 1000)
`;

const _OPTIONS = {
  file: { type: "string" },
  data: { type: "string" },
  url: { type: "string", default: "http://127.0.0.1:9000" },
  name: { type: "string", default: "function" },
  "print-event": { type: "boolean", default: false },
  list: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  "durable-execution-name": { type: "string" },
  async: { type: "boolean", default: false },
  watch: { type: "boolean", default: false },
  history: { type: "string" },
  "callback-success": { type: "string" },
  "callback-failure": { type: "string" },
  "callback-heartbeat": { type: "string" },
  "error-type": { type: "string" },
  "error-message": { type: "string" },
  interval: { type: "string", default: "1000" },
} as const;

/** The parsed command line. */
type _Values = ReturnType<typeof _parse>["values"];

function _parse(args: string[]) {
  return parseArgs({ args, allowPositionals: true, options: _OPTIONS });
}

/** Runs the invoke command line; resolves with the exit code (1 when the function failed). */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = _parse(args);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(_USAGE);
    return 0;
  }
  if (values.list) {
    const width = Math.max(...Object.keys(SAMPLES).map((name) => name.length));
    for (const [name, sample] of Object.entries(SAMPLES)) {
      console.log(`${name.padEnd(width)}  ${sample.description}`);
    }
    return 0;
  }
  try {
    if (isDurableCommand(values)) {
      return await durableCommand(values, () => _event(values, undefined));
    }
    const event = await _event(values, positionals[0]);
    if (typeof event === "number") return event;
    if (values["print-event"]) {
      console.log(new TextDecoder().decode(event));
      return 0;
    }
    return await _invoke(values, event);
  } catch (error) {
    if (error instanceof InvokeError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
}

/** The event: --file, --data, or a sample; an exit code when there is none. */
async function _event(
  values: _Values,
  sample: string | undefined,
): Promise<Uint8Array | number> {
  if (values.file !== undefined) {
    try {
      return values.file === "-"
        ? new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer())
        : await Deno.readFile(values.file);
    } catch (error) {
      console.error(
        `Cannot read --file ${values.file}: ${(error as Error).message}`,
      );
      return 2;
    }
  }
  if (values.data !== undefined) return new TextEncoder().encode(values.data);
  if (sample !== undefined && SAMPLES[sample] !== undefined) {
    return new TextEncoder().encode(
      JSON.stringify(SAMPLES[sample].event, null, 2),
    );
  }
  console.error(
    `${
      sample === undefined ? "Name a sample" : `No sample named "${sample}"`
    }, or pass --file or --data. The samples: ${
      Object.keys(SAMPLES).join(", ")
    }`,
  );
  return 2;
}

async function _invoke(values: _Values, event: Uint8Array): Promise<number> {
  const headers: Record<string, string> = {};
  if (values["durable-execution-name"] !== undefined) {
    headers["x-amz-durable-execution-name"] = values["durable-execution-name"];
  }
  if (values.async) headers["x-amz-invocation-type"] = "Event";
  const result = await invoke(values.url, values.name, event, headers);
  if (result.log !== undefined) {
    console.error(`--- log tail ---\n${result.log.trimEnd()}\n---`);
  }
  if (result.executionArn !== undefined) {
    console.error(`durable execution ${result.executionArn}`);
  }
  if (result.functionError !== undefined) {
    console.error(
      `The function failed (${result.functionError}), request ${result.requestId}:`,
    );
  }
  if (result.payload !== "") console.log(_pretty(result.payload));
  const ok = result.functionError === undefined && result.status < 300;
  if (ok && values.watch && result.executionArn !== undefined) {
    return await durableCommand(
      { ...values, history: result.executionArn },
      () => Promise.resolve(new Uint8Array()),
    );
  }
  return ok ? 0 : 1;
}

function _pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
