/**
 * Lambda's shutdown phase, as Lambda documents it: with no extension
 * registered the runtime is killed at once; otherwise it gets `SIGTERM` and
 * up to 500 ms (with an internal extension; 300 ms with only external ones)
 * to exit, then each external extension registered for it gets `SHUTDOWN`,
 * and whatever still runs when the phase's 2,000 ms (500 ms without
 * external extensions) are over gets `SIGKILL`.
 *
 * @module
 */

/** A process the phase can signal and wait for. */
export interface Stoppable {
  readonly exited: Promise<unknown>;
  kill(signal?: Deno.Signal): void;
}

/** What the phase works on. */
export interface ShutdownPlan {
  /** The function process, if one runs. */
  runtime: Stoppable | undefined;
  /** Whether any extension (internal or external) is registered. */
  registered: boolean;
  /** Whether an internal extension is registered. */
  internal: boolean;
  /** The external extension processes still running. */
  externals: Stoppable[];
  /** Runs once the runtime is gone: flush its lines, send `SHUTDOWN` with the phase's deadline. */
  announce(deadlineMs: number): Promise<void>;
}

/** The phase's budgets, in milliseconds; Lambda's when absent. */
export interface ShutdownBudgets {
  external?: number;
  internal?: number;
  runtimeShare?: number;
}

/** Runs the phase to its end: every process in the plan has exited when it resolves. */
export async function runShutdownPhase(
  plan: ShutdownPlan,
  budgets: ShutdownBudgets = {},
): Promise<void> {
  const externalMs = budgets.external ?? 2_000;
  const internalMs = budgets.internal ?? 500;
  const shareMs = budgets.runtimeShare ?? 300;
  const phaseStart = Date.now();
  const withExternals = plan.externals.length > 0;
  const phaseMs = withExternals ? externalMs : plan.internal ? internalMs : 0;
  const runtimeMs = withExternals
    ? (plan.internal ? internalMs : shareMs)
    : phaseMs;
  if (plan.runtime !== undefined) {
    // Lambda sends SIGTERM only when an extension is registered.
    if (plan.registered) {
      plan.runtime.kill("SIGTERM");
      await within(plan.runtime.exited, runtimeMs);
    }
    plan.runtime.kill("SIGKILL");
    await plan.runtime.exited;
  }
  const deadlineMs = phaseStart + phaseMs;
  await plan.announce(deadlineMs);
  await within(
    Promise.all(plan.externals.map((process) => process.exited)),
    deadlineMs - Date.now(),
  );
  for (const process of plan.externals) process.kill("SIGKILL");
  await Promise.all(plan.externals.map((process) => process.exited));
}

/** Waits for `promise`, or `ms` at most. */
export function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, ms));
    }),
  ]).finally(() => clearTimeout(timer));
}
