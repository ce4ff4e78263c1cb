/**
 * The scheduler owns a sandbox's invocations: it queues them, hands them to
 * the function's `/next` polls, runs their clocks, takes their answers,
 * timeouts and failures, writes START, END and REPORT, and only then answers
 * the caller. Every change of an invocation's state goes through
 * `transition` (invocation.ts).
 *
 * @module
 */

import { errorOutcome, type Outcome } from "../_outcome.ts";
import type { InvokeRequest } from "../invoke_request.ts";
import {
  initErrorLine,
  initTimeoutLine,
  reportLine,
} from "../platform_lines.ts";
import {
  allows,
  type InvocationEvent,
  type InvocationState,
  isRunning,
  type Run,
  runOf,
  transition,
} from "./invocation.ts";
import type {
  Accepted,
  Found,
  Poll,
  ProcessExit,
  Refusal,
  SandboxProcess,
  SchedulerOptions,
} from "./ports.ts";

/** How many ended ids are remembered for Lambda's late-reply refusals. */
const _ENDED_KEPT = 10_000;

interface _Invocation<P> {
  readonly id: string;
  readonly invocationId: string;
  readonly request: InvokeRequest;
  state: InvocationState<P>;
  stopClock: (() => void) | undefined;
  readonly answer: PromiseWithResolvers<Outcome>;
}

/**
 * A sandbox's invocations and what happens to them.
 *
 * @example
 * ```ts ignore
 * const scheduler = new Scheduler({ clock: systemClock, sandbox, ... });
 * const { outcome } = scheduler.submit(parseInvokeRequest(event, headers));
 * ```
 */
export class Scheduler<P extends SandboxProcess> {
  readonly #options: SchedulerOptions<P>;
  readonly #queue: _Invocation<P>[] = [];
  readonly #polls: Poll<P>[] = [];
  readonly #inFlight = new Map<string, _Invocation<P>>();
  readonly #ended = new Map<string, "completed" | "timed out">();
  readonly #initReported = new WeakSet<P>();
  readonly #reports = new Set<Promise<void>>();
  #mode: "running" | "reloading" | "closing" = "running";

  /** A scheduler over `options.sandbox`; nothing runs until an invocation or a poll comes. */
  constructor(options: SchedulerOptions<P>) {
    this.#options = options;
  }

  /** The invocation's state (for tests and the Runtime API); `undefined` once reported and forgotten. */
  state(id: string): InvocationState<P>["name"] | undefined {
    return (this.#inFlight.get(id) ?? this.#queue.find((i) => i.id === id))
      ?.state.name;
  }

  /** Why a request of this type would be refused now, if it would. */
  refusal(type: InvokeRequest["type"]): Refusal | undefined {
    if (this.#mode === "closing") return "closing";
    const reserved = this.#options.reservedConcurrency;
    // Lambda queues Event invocations itself; only synchronous callers are throttled.
    if (
      reserved !== undefined && type === "RequestResponse" &&
      this.#inFlight.size + this.#queue.length >= reserved
    ) return "throttled";
    return undefined;
  }

  /** Takes an invocation on (check `refusal` first: a refused one throws). */
  submit(request: InvokeRequest): Accepted {
    const refused = this.refusal(request.type);
    if (refused !== undefined) {
      throw new Error(`Invocation refused: ${refused}`);
    }
    const invocation: _Invocation<P> = {
      id: request.id ?? crypto.randomUUID(),
      invocationId: crypto.randomUUID(),
      request,
      state: { name: "queued" },
      stopClock: undefined,
      answer: Promise.withResolvers(),
    };
    this.#queue.push(invocation);
    this.#dispatch();
    return { id: invocation.id, outcome: invocation.answer.promise };
  }

  /** A `/next` poll from `poll.owner`: handed the next invocation, or kept until one comes. */
  poll(poll: Poll<P>): void {
    const live = this.#polls.filter((waiting) => waiting.live());
    this.#polls.splice(0, this.#polls.length, ...live, poll);
    this.#dispatch();
    this.#options.idle?.();
  }

  /** What a reply to invocation `id` finds. */
  find(id: string): Found {
    const invocation = this.#inFlight.get(id);
    if (invocation === undefined) return this.#ended.get(id);
    const { state } = invocation;
    if (state.name === "delivered" || state.name === "streaming") {
      return invocation;
    }
    if (state.name === "timed out") return "timed out";
    return state.name === "started" ? undefined : "completed";
  }

  /** The function's answer for `id`; one past the deadline is the timeout. Refused unless delivered. */
  answer(id: string, outcome: Outcome): boolean {
    const invocation = this.#inFlight.get(id);
    if (invocation === undefined || !allows(invocation.state, "answer")) {
      return false;
    }
    // No grace after the deadline: on Lambda the timeout wins any race with a late answer.
    if (this.#options.clock.now() >= runOf(invocation.state)!.deadlineMs) {
      this.#timeout(invocation);
      return false;
    }
    this.#end(invocation, { type: "answer", outcome });
    return true;
  }

  /** The function began streaming its answer: the caller gets the stream at once. */
  stream(
    id: string,
    outcome: Outcome & { kind: "stream" },
    abort: (reason: Error) => void,
  ): boolean {
    const invocation = this.#inFlight.get(id);
    if (invocation === undefined || !allows(invocation.state, "stream")) {
      return false;
    }
    this.#move(invocation, { type: "stream", abort });
    invocation.answer.resolve(outcome);
    return true;
  }

  /** The current process when the sandbox may freeze: nothing to do and its poll waiting. */
  idleProcess(): P | undefined {
    const owner = this.#options.sandbox.current();
    if (
      this.#mode !== "running" || owner === undefined || !owner.ready ||
      this.#queue.length > 0 || this.#inFlight.size > 0 ||
      !this.#polls.some((poll) => poll.owner === owner && poll.live())
    ) return undefined;
    return owner;
  }

  /** Starts the function anew once the current process has nothing in flight. */
  reload(): void {
    if (this.#mode === "closing") return;
    this.#mode = "reloading";
    this.#dispatch();
  }

  /** A process ended: what it ran ends with it, and its init phase is reported. */
  exited(exit: ProcessExit<P>): void {
    if (this.#mode === "closing") return;
    if (exit.note !== undefined) this.#options.platform(exit.note);
    const exited = exit.process;
    let working = false;
    for (const invocation of [...this.#inFlight.values()]) {
      const run = runOf(invocation.state);
      if (!isRunning(invocation.state) || run?.owner !== exited) continue;
      working = true;
      this.#endWithProcess(invocation, run, exit);
    }
    this.#afterExit(exit, working);
  }

  /** Ends every invocation with `Emulator.Closed`; resolves once the reports under way are written. */
  async close(): Promise<void> {
    if (this.#mode === "closing") return;
    this.#mode = "closing";
    const stopped = errorOutcome(
      "Emulator.Closed",
      "The emulator was closed before the invocation finished",
    );
    const closing: InvocationEvent<P> = {
      type: "fail",
      outcome: stopped,
      quiet: true,
    };
    for (const invocation of this.#queue.splice(0)) {
      this.#end(invocation, closing);
    }
    for (const invocation of [...this.#inFlight.values()]) {
      if (invocation.state.name === "streaming") {
        invocation.state.abort(new Error("The emulator was closed"));
      }
      if (isRunning(invocation.state)) this.#end(invocation, closing);
    }
    await Promise.all(this.#reports);
  }

  /** Closes every poll still waiting (after the shutdown phase). */
  dropPolls(): void {
    for (const poll of this.#polls.splice(0)) poll.drop();
  }

  #move(invocation: _Invocation<P>, event: InvocationEvent<P>): void {
    invocation.state = transition(invocation.state, event);
  }

  #endWithProcess(
    invocation: _Invocation<P>,
    run: Run<P>,
    exit: ProcessExit<P>,
  ): void {
    const exited = exit.process;
    // A process that ends once its deadline has passed ended of it: the timeout is the answer.
    if (this.#options.clock.now() >= run.deadlineMs) {
      return this.#timeout(invocation);
    }
    if (!exited.ready && exited.initError !== undefined) {
      return this.#end(invocation, {
        type: "fail",
        outcome: exited.initError,
        errorType: exit.errorType,
      });
    }
    const message = `RequestId: ${invocation.id} Error: ${exit.reason}`;
    this.#options.platform(message);
    this.#options.platform(exit.errorType);
    this.#end(invocation, {
      type: "fail",
      outcome: errorOutcome("Runtime.ExitError", message),
      errorType: exit.errorType,
    });
  }

  #afterExit(exit: ProcessExit<P>, working: boolean): void {
    const { platform, sandbox, clock } = this.#options;
    const exited = exit.process;
    const initMs = clock.monotonic() - exited.startedAt;
    const initErrorType = exited.initError?.errorType ?? exit.errorType;
    if (exited.initTimedOut) {
      platform(initTimeoutLine(initMs));
      // Lambda's suppressed init: the next process inits inside the first invocation, under its timeout.
      const first = this.#queue.shift();
      if (first !== undefined) {
        sandbox.spawn({ suppressed: true });
        this.#start(first, sandbox.current());
      }
      return;
    }
    if (!exited.ready && exited.suppressed) {
      platform(initErrorLine(initMs, initErrorType, "invoke"));
    } else if (!exited.ready) {
      platform(initErrorLine(initMs, initErrorType));
      // Lambda answers the waiting invocations with the init error, then tries init again on the next.
      for (const invocation of this.#queue.splice(0)) {
        this.#end(invocation, {
          type: "fail",
          outcome: exited.initError ?? errorOutcome(
            exit.errorType,
            `RequestId: ${invocation.id} Error: ${exit.reason}`,
          ),
        });
      }
      return;
    } else if (!working && !exited.retired) {
      platform(
        `The function process ended between invocations (${exit.how}); the next invocation starts a new one`,
      );
    }
    this.#dispatch();
  }

  #dispatch(): void {
    this.#reloadWhenIdle();
    // The old process takes no new invocations while a reload waits for it.
    if (this.#mode !== "running") return;
    const { sandbox, concurrency } = this.#options;
    const current = sandbox.current();
    // An invocation started during a suppressed init goes to the process's first poll.
    for (const invocation of this.#inFlight.values()) {
      if (
        invocation.state.name !== "started" ||
        invocation.state.run.owner !== current
      ) continue;
      const poll = this.#takePoll(current);
      if (poll === undefined) break;
      this.#deliver(invocation, poll);
    }
    while (this.#queue.length > 0 && this.#inFlight.size < concurrency) {
      const poll = this.#takePoll(current);
      if (poll === undefined) break;
      const invocation = this.#queue.shift()!;
      this.#start(invocation, poll.owner);
      this.#deliver(invocation, poll);
    }
    if (this.#queue.length > 0 && sandbox.current() === undefined) {
      sandbox.spawn();
    }
  }

  /** A pending reload happens once the current process has nothing in flight. */
  #reloadWhenIdle(): void {
    if (this.#mode !== "reloading") return;
    const { sandbox } = this.#options;
    const old = sandbox.current();
    if (
      old !== undefined &&
      [...this.#inFlight.values()].some((i) => runOf(i.state)?.owner === old)
    ) return;
    this.#mode = "running";
    if (old !== undefined) {
      sandbox.thaw();
      sandbox.retire(old);
    }
    sandbox.spawn();
  }

  /** The next live poll of the current process; polls left over from a killed one are closed. */
  #takePoll(current: P | undefined): Poll<P> | undefined {
    for (;;) {
      const poll = this.#polls.shift();
      if (poll === undefined) return undefined;
      if (!poll.live()) continue;
      if (poll.owner === undefined || poll.owner !== current) {
        poll.drop();
        continue;
      }
      return poll;
    }
  }

  /** Starts an invocation's clock: START, the extensions' INVOKE, the timeout. */
  #start(invocation: _Invocation<P>, owner: P | undefined): void {
    const { clock, timeoutMs, sandbox } = this.#options;
    const deadlineMs = clock.now() + timeoutMs;
    // The invoke phase thaws the whole sandbox: the function and the extensions its INVOKE goes to.
    sandbox.thaw();
    this.#move(invocation, {
      type: "start",
      run: { owner, deadlineMs, startedAt: clock.monotonic() },
    });
    this.#inFlight.set(invocation.id, invocation);
    this.#options.platform(
      `START RequestId: ${invocation.id} Version: ${this.#options.functionVersion}`,
    );
    this.#options.started?.({
      id: invocation.id,
      deadlineMs,
      traceId: invocation.request.traceId,
    });
    invocation.stopClock = clock.setTimer(
      timeoutMs,
      () => this.#timeout(invocation),
    );
  }

  #deliver(invocation: _Invocation<P>, poll: Poll<P>): void {
    this.#move(invocation, { type: "deliver" });
    const { request } = invocation;
    poll.send({
      id: invocation.id,
      invocationId: invocation.invocationId,
      event: request.event,
      deadlineMs: runOf(invocation.state)!.deadlineMs,
      arn: this.#options.arn,
      traceId: request.traceId,
      clientContext: request.clientContext,
      tenantId: request.tenantId,
    });
  }

  #timeout(invocation: _Invocation<P>): void {
    const { state } = invocation;
    if (!isRunning(state)) return;
    const { clock, platform, sandbox, timeoutMs } = this.#options;
    const seconds = (timeoutMs / 1000).toFixed(2);
    platform(
      `${
        new Date(clock.now()).toISOString()
      } ${invocation.id} Task timed out after ${seconds} seconds`,
    );
    if (state.name === "streaming") {
      state.abort(new Error(`Task timed out after ${seconds} seconds`));
    }
    // Lambda ends the sandbox of a function that timed out; the next invocation starts a new one.
    const owner = runOf(state)?.owner;
    if (owner !== undefined) {
      if (!owner.ready) {
        platform(
          initTimeoutLine(clock.monotonic() - owner.startedAt, "invoke"),
        );
      }
      sandbox.retire(owner);
    }
    this.#end(invocation, {
      type: "time out",
      outcome: errorOutcome(
        "Sandbox.Timedout",
        `RequestId: ${invocation.id} Error: Task timed out after ${seconds} seconds`,
      ),
    });
  }

  /** Ends an invocation; it is reported (END, REPORT, then the caller's answer) once its memory peak is read. */
  #end(invocation: _Invocation<P>, event: InvocationEvent<P>): void {
    invocation.stopClock?.();
    this.#move(invocation, event);
    const run = runOf(invocation.state);
    if (run === undefined) return this.#report(invocation, undefined, 0);
    const durationMs = this.#options.clock.monotonic() - run.startedAt;
    const owner = run.owner;
    let initMs: number | undefined;
    if (owner !== undefined && !this.#initReported.has(owner) && owner.initMs) {
      this.#initReported.add(owner);
      initMs = owner.initMs;
    }
    const peak = owner === undefined
      ? Promise.resolve(0)
      : this.#options.peak(owner).catch(() => 0);
    const reported = peak.then((bytes) =>
      this.#report(invocation, { durationMs, initMs }, bytes)
    );
    this.#reports.add(reported);
    reported.finally(() => this.#reports.delete(reported));
  }

  #report(
    invocation: _Invocation<P>,
    measured: { durationMs: number; initMs: number | undefined } | undefined,
    maxMemoryBytes: number,
  ): void {
    const ended = invocation.state;
    if (measured !== undefined) {
      this.#options.platform(`END RequestId: ${invocation.id}`);
      this.#options.platform(reportLine({
        requestId: invocation.id,
        ...measured,
        memoryMb: this.#options.memoryMb,
        maxMemoryBytes,
        status: ended.name === "timed out"
          ? "timeout"
          : ended.name === "failed" && ended.errorType !== undefined
          ? { errorType: ended.errorType }
          : undefined,
      }));
    }
    this.#move(invocation, { type: "report" });
    this.#forget(invocation, ended.name === "timed out");
    if ("outcome" in ended) invocation.answer.resolve(ended.outcome);
    this.#dispatch();
    this.#options.idle?.();
  }

  #forget(invocation: _Invocation<P>, timedOut: boolean): void {
    this.#inFlight.delete(invocation.id);
    this.#ended.set(invocation.id, timedOut ? "timed out" : "completed");
    if (this.#ended.size > _ENDED_KEPT) {
      this.#ended.delete(this.#ended.keys().next().value!);
    }
  }
}
