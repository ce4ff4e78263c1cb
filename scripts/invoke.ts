/**
 * `deno task invoke`: sends a named sample event (or a file, or inline
 * JSON) to a running emulator and prints the result and the log tail.
 *
 * ```sh
 * deno task emulator examples/echo/main.ts &
 * deno task invoke sqs
 * deno task invoke --file event.json --name my-function --url http://127.0.0.1:9000
 * deno task invoke --list
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { invoke, InvokeError } from "./invoke/invoke.ts";
import { SAMPLES } from "./invoke/samples.ts";

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
`;

/** Runs the invoke command line; resolves with the exit code (1 when the function failed). */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        file: { type: "string" },
        data: { type: "string" },
        url: { type: "string", default: "http://127.0.0.1:9000" },
        name: { type: "string", default: "function" },
        "print-event": { type: "boolean", default: false },
        list: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
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
  let event: Uint8Array;
  const [sample] = positionals;
  if (values.file !== undefined) {
    try {
      event = values.file === "-"
        ? new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer())
        : await Deno.readFile(values.file);
    } catch (error) {
      console.error(
        `Cannot read --file ${values.file}: ${(error as Error).message}`,
      );
      return 2;
    }
  } else if (values.data !== undefined) {
    event = new TextEncoder().encode(values.data);
  } else if (sample !== undefined && SAMPLES[sample] !== undefined) {
    event = new TextEncoder().encode(
      JSON.stringify(SAMPLES[sample].event, null, 2),
    );
  } else {
    console.error(
      `${
        sample === undefined ? "Name a sample" : `No sample named "${sample}"`
      }, or pass --file or --data. The samples: ${
        Object.keys(SAMPLES).join(", ")
      }`,
    );
    return 2;
  }
  if (values["print-event"]) {
    console.log(new TextDecoder().decode(event));
    return 0;
  }
  try {
    const result = await invoke(values.url, values.name, event);
    if (result.log !== undefined) {
      console.error(`--- log tail ---\n${result.log.trimEnd()}\n---`);
    }
    if (result.functionError !== undefined) {
      console.error(
        `The function failed (${result.functionError}), request ${result.requestId}:`,
      );
    }
    console.log(_pretty(result.payload));
    return result.functionError === undefined && result.status < 300 ? 0 : 1;
  } catch (error) {
    if (error instanceof InvokeError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
}

function _pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
