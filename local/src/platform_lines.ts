/**
 * Lambda's platform lines, worded as Lambda words them: `REPORT`, the
 * `INIT_REPORT` of a failed init, and how a process ended.
 *
 * @module
 */

/** How Go (Lambda's supervisor) names the signals a function dies of. */
const _SIGNAL_WORDS: Partial<Record<Deno.Signal, string>> = {
  SIGKILL: "killed",
  SIGTERM: "terminated",
  SIGABRT: "aborted",
  SIGSEGV: "segmentation fault",
  SIGBUS: "bus error",
  SIGTRAP: "trace/breakpoint trap",
  SIGINT: "interrupt",
  SIGILL: "illegal instruction",
  SIGFPE: "floating point exception",
};

/** How a process ended, as Lambda's Go supervisor words it: "signal: killed", "exit status 1". */
export function exitWords(status: Deno.CommandStatus): string {
  return status.signal
    ? `signal: ${_SIGNAL_WORDS[status.signal] ?? status.signal}`
    : `exit status ${status.code}`;
}

/** What a REPORT line says about one invocation. */
export interface ReportFields {
  requestId: string;
  durationMs: number;
  memoryMb: number;
  maxMemoryBytes: number;
  /** Present on the first invocation of a process. */
  initMs?: number;
  status?: "timeout" | { errorType: string };
}

/** Lambda's `REPORT RequestId: …` line. */
export function reportLine(fields: ReportFields): string {
  const init = fields.initMs ? `\tInit Duration: ${ms(fields.initMs)} ms` : "";
  const status = fields.status === undefined
    ? ""
    : fields.status === "timeout"
    ? "\tStatus: timeout"
    : `\tStatus: error\tError Type: ${fields.status.errorType}`;
  return `REPORT RequestId: ${fields.requestId}\tDuration: ${
    ms(fields.durationMs)
  } ms\tBilled Duration: ${
    Math.max(1, Math.ceil(fields.durationMs))
  } ms\tMemory Size: ${fields.memoryMb} MB\tMax Memory Used: ${
    Math.ceil(fields.maxMemoryBytes / 1048576)
  } MB${init}${status}`;
}

/** Lambda's `INIT_REPORT` line for an init phase that failed (in the invoke phase for a suppressed init). */
export function initErrorLine(
  durationMs: number,
  errorType: string,
  phase: "init" | "invoke" = "init",
): string {
  return `INIT_REPORT Init Duration: ${
    ms(durationMs)
  } ms\tPhase: ${phase}\tStatus: error\tError Type: ${errorType}`;
}

/** Lambda's `INIT_REPORT` line for an init phase cut at its limit. */
export function initTimeoutLine(
  durationMs: number,
  phase: "init" | "invoke" = "init",
): string {
  return `INIT_REPORT Init Duration: ${
    ms(durationMs)
  } ms\tPhase: ${phase}\tStatus: timeout`;
}

/** Milliseconds with two decimals, as Lambda prints them. */
export function ms(value: number): string {
  return value.toFixed(2);
}

/** What {@linkcode parseReportLine} reads back from a REPORT line. */
export interface ParsedReport {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  initDurationMs?: number;
  /** `success`, `timeout`, or `error` with its type. */
  status: "success" | "timeout" | "error";
  errorType?: string;
}

const _REPORT =
  /^REPORT RequestId: (\S+)\tDuration: ([\d.]+) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB(?:\tInit Duration: ([\d.]+) ms)?(?:\tStatus: (timeout|error)(?:\tError Type: (.+))?)?$/;

/** The fields of a line {@linkcode reportLine} wrote; `undefined` for any other line. */
export function parseReportLine(line: string): ParsedReport | undefined {
  const match = _REPORT.exec(line);
  if (match === null) return undefined;
  const [, requestId, duration, billed, size, used, init, status, errorType] =
    match;
  return {
    requestId,
    durationMs: Number(duration),
    billedDurationMs: Number(billed),
    memorySizeMB: Number(size),
    maxMemoryUsedMB: Number(used),
    ...(init === undefined ? {} : { initDurationMs: Number(init) }),
    status: (status ?? "success") as ParsedReport["status"],
    ...(errorType === undefined ? {} : { errorType }),
  };
}
