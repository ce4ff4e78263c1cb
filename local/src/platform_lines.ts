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
