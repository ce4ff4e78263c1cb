// The emulator's OpenTelemetry side: with OTEL_DENO on for the function, an OTLP receiver it exports to, and its span trees after REPORT.

import { OTEL_DEFAULTS } from "@rtl/lambda/runtime";
import { parseReportLine } from "./platform_lines.ts";
import { startOtlpReceiver } from "./otlp/receiver.ts";
import { TraceStore } from "./otlp/store.ts";
import { type SetTimer, TreePrinter } from "./otlp/tree_printer.ts";

/** The receiver's part of a running emulator (inert when OTel is off). */
export interface EmulatorOtel {
  /** What the function's environment gets: the endpoint and a script's OTel defaults, or nothing. */
  readonly env: Record<string, string>;
  /** The receiver's base URL (the trace view is at `/`), when it runs. */
  readonly url: string | undefined;
  /** Sees each platform line; a REPORT line prints its invocation's tree. */
  platformLine(line: string): void;
  /** Stops waiting for trees and closes the receiver. */
  close(): Promise<void>;
}

/** How the OTel side is set up. */
export interface EmulatorOtelOptions {
  /** The function's own variables: `OTEL_DENO` turns the receiver on; an endpoint of its own keeps it off. */
  env?: Record<string, string>;
  /** Whether the function is a script under `deno run`: it gets the settings a built bootstrap would set. */
  script?: boolean;
  /** The function's name, its `OTEL_SERVICE_NAME` when it is a script that sets none. */
  functionName?: string;
  /** The receiver's port; 0 (any free one) when absent. */
  port?: number;
  /** How long a REPORT waits for its invocation's spans, in ms. */
  treeWaitMs?: number;
  setTimer?: SetTimer;
}

const _OFF: EmulatorOtel = {
  env: {},
  url: undefined,
  platformLine() {},
  close: () => Promise.resolve(),
};

/** Whether `OTEL_DENO` turns Deno's OpenTelemetry on, as Deno reads it. */
export function otelOn(env: Record<string, string> | undefined): boolean {
  const value = env?.OTEL_DENO?.toLowerCase();
  return value === "true" || value === "1";
}

/**
 * What a script with OTel on starts with, as the built bootstrap gives it
 * (`otelShellLines`): the runtime's `OTEL_DEFAULTS` (each span and log
 * leaves at once) and `OTEL_SERVICE_NAME` as the function's name. The
 * function's own variables, laid over them, win.
 */
export function otelScriptDefaults(
  options: EmulatorOtelOptions,
): Record<string, string> {
  if (!options.script || !otelOn(options.env)) return {};
  return {
    ...OTEL_DEFAULTS,
    ...(options.functionName && { OTEL_SERVICE_NAME: options.functionName }),
  };
}

/** Starts the receiver when the function runs with OTel on and no endpoint of its own; inert otherwise. */
export function startEmulatorOtel(
  options: EmulatorOtelOptions,
  platform: (line: string) => void,
): EmulatorOtel {
  const defaults = otelScriptDefaults(options);
  if (!otelOn(options.env) || options.env?.OTEL_EXPORTER_OTLP_ENDPOINT) {
    return { ..._OFF, env: defaults };
  }
  const store = new TraceStore();
  const receiver = startOtlpReceiver({
    store,
    port: options.port,
    log: platform,
  });
  const printer = new TreePrinter({
    store,
    print: platform,
    waitMs: options.treeWaitMs,
    setTimer: options.setTimer,
  });
  platform(
    `OTLP receiver: ${receiver.url} (traces of each invocation at ${receiver.url}/)`,
  );
  return {
    env: {
      ...defaults,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    },
    url: receiver.url,
    platformLine(line) {
      const report = parseReportLine(line);
      if (report !== undefined) printer.reported(report.requestId);
    },
    async close() {
      printer.close();
      await receiver.close();
    },
  };
}
