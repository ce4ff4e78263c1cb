// The scheduler on its own: an invocation's life from queued to reported, driven by a fake clock, fake
// processes and fake polls — no process is spawned and nothing waits on real time.
import assert from "node:assert/strict";
import type { Outcome } from "../local/src/_outcome.ts";
import { parseInvokeRequest } from "../local/src/invoke_request.ts";
import type { CancelTimer, Clock } from "../local/src/scheduler/clock.ts";
import { FreshRead } from "../local/src/scheduler/fresh_read.ts";
import {
  IllegalTransitionError,
  type InvocationState,
  transition,
} from "../local/src/scheduler/invocation.ts";
import type {
  EventDelivery,
  Poll,
  SandboxProcess,
} from "../local/src/scheduler/ports.ts";
import { Scheduler } from "../local/src/scheduler/scheduler.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A clock that moves only when the test advances it. */
class FakeClock implements Clock {
  #now = 1_700_000_000_000;
  #monotonic = 0;
  #timers: { at: number; callback: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.#now;
  }
  monotonic(): number {
    return this.#monotonic;
  }
  setTimer(ms: number, callback: () => void): CancelTimer {
    const timer = { at: this.#monotonic + ms, callback, cancelled: false };
    this.#timers.push(timer);
    return () => timer.cancelled = true;
  }
  /** Moves time on, firing the timers that fall due (`fire: false` moves it without them, a late timer). */
  advance(ms: number, options: { fire?: boolean } = {}): void {
    this.#now += ms;
    this.#monotonic += ms;
    if (options.fire === false) return;
    const due = this.#timers.filter((t) => t.at <= this.#monotonic);
    this.#timers = this.#timers.filter((t) => t.at > this.#monotonic);
    for (const timer of due) if (!timer.cancelled) timer.callback();
  }
}

interface FakeProcess extends SandboxProcess {
  readonly name: string;
  ready: boolean;
  initMs: number | undefined;
  retired: boolean;
  initError: SandboxProcess["initError"];
}

function harness(
  options: { concurrency?: number; reservedConcurrency?: number } = {},
) {
  const clock = new FakeClock();
  const lines: string[] = [];
  const spawned: FakeProcess[] = [];
  const retired: FakeProcess[] = [];
  let current: FakeProcess | undefined;
  let peakReads = 0;
  let peak: () => Promise<number> = () => Promise.resolve(42 * 1048576);
  const scheduler = new Scheduler<FakeProcess>({
    clock,
    sandbox: {
      current: () => current,
      spawn(spawnOptions) {
        if (current !== undefined) return;
        current = {
          name: `process-${spawned.length + 1}`,
          ready: false,
          startedAt: clock.monotonic(),
          initMs: undefined,
          initError: undefined,
          initTimedOut: false,
          suppressed: spawnOptions?.suppressed === true,
          retired: false,
        };
        spawned.push(current);
      },
      retire(process) {
        if (current === process) current = undefined;
        process.retired = true;
        retired.push(process);
      },
      thaw() {},
    },
    timeoutMs: 3000,
    concurrency: options.concurrency ?? 1,
    reservedConcurrency: options.reservedConcurrency,
    functionVersion: "$LATEST",
    memoryMb: 128,
    arn: "arn:aws:lambda:us-east-1:123456789012:function:f",
    platform: (line) => lines.push(line),
    peak: () => {
      peakReads++;
      return peak();
    },
  });
  /** The current process polls `/next` (its first poll ends its init). */
  function poll(): EventDelivery[] {
    const owner = current!;
    if (!owner.ready) {
      owner.ready = true;
      owner.initMs = 120;
    }
    const deliveries: EventDelivery[] = [];
    const polled: Poll<FakeProcess> = {
      owner,
      live: () => deliveries.length === 0,
      send: (delivery) => void deliveries.push(delivery),
      drop: () => {},
    };
    scheduler.poll(polled);
    return deliveries;
  }
  function submit(event = "{}", headers: HeadersInit = {}) {
    return scheduler.submit(
      parseInvokeRequest(encoder.encode(event), new Headers(headers)),
    );
  }
  return {
    scheduler,
    clock,
    lines,
    spawned,
    retired,
    poll,
    submit,
    exit(process: FakeProcess) {
      if (current === process) current = undefined;
      scheduler.exited({
        process,
        how: "exit status 1",
        errorType: "Runtime.ExitError",
        reason: "Runtime exited with error: exit status 1",
      });
    },
    get peakReads() {
      return peakReads;
    },
    setPeak(read: () => Promise<number>) {
      peak = read;
    },
  };
}

const ok = (text: string): Outcome => ({
  kind: "response",
  body: encoder.encode(text),
  contentType: "application/json",
});

Deno.test("an invocation's life", async (t) => {
  await t.step(
    "waits queued until the process polls, then is delivered with its event and Lambda's values",
    () => {
      const h = harness();
      const { id } = h.submit('{"a":1}', {
        "x-amzn-trace-id": "Root=1-abc",
        "x-amz-client-context": btoa('{"client":1}'),
        "x-amz-tenant-id": "tenant-7",
      });
      assert.equal(h.scheduler.state(id), "queued");
      assert.equal(h.spawned.length, 1, "a queued invocation starts a process");
      assert.deepEqual(h.lines, []);
      const [delivery] = h.poll();
      assert.equal(h.scheduler.state(id), "delivered");
      assert.equal(delivery.id, id);
      assert.equal(decoder.decode(delivery.event), '{"a":1}');
      assert.equal(delivery.deadlineMs, h.clock.now() + 3000);
      assert.equal(delivery.traceId, "Root=1-abc");
      assert.equal(delivery.clientContext, '{"client":1}');
      assert.equal(delivery.tenantId, "tenant-7");
      assert.deepEqual(h.lines, [`START RequestId: ${id} Version: $LATEST`]);
    },
  );

  await t.step(
    "its answer reaches the caller only after END and REPORT are written",
    async () => {
      const h = harness();
      const { id, outcome } = h.submit();
      h.poll();
      h.clock.advance(25);
      assert.equal(h.scheduler.answer(id, ok('"done"')), true);
      const linesWhenAnswered = await outcome.then(() => [...h.lines]);
      assert.deepEqual(linesWhenAnswered.slice(1, 2), [`END RequestId: ${id}`]);
      assert.match(
        linesWhenAnswered[2],
        new RegExp(
          `^REPORT RequestId: ${id}\\tDuration: 25.00 ms\\tBilled Duration: 25 ms\\tMemory Size: 128 MB\\tMax Memory Used: 42 MB\\tInit Duration: 120.00 ms$`,
        ),
      );
      assert.equal(h.scheduler.state(id), undefined);
      assert.equal(h.scheduler.find(id), "completed");
    },
  );

  await t.step("an answer for an invocation not delivered is refused", () => {
    const h = harness();
    const { id } = h.submit();
    assert.equal(h.scheduler.answer(id, ok("1")), false);
    assert.equal(h.scheduler.state(id), "queued");
    assert.equal(h.scheduler.answer("no-such-id", ok("1")), false);
    assert.equal(h.scheduler.find("no-such-id"), undefined);
  });

  await t.step(
    "a second answer is refused and the first one stands",
    async () => {
      const h = harness();
      const { id, outcome } = h.submit();
      h.poll();
      assert.equal(h.scheduler.answer(id, ok('"first"')), true);
      assert.equal(h.scheduler.answer(id, ok('"second"')), false);
      assert.equal(h.scheduler.find(id), "completed");
      const answer = await outcome;
      assert.equal(answer.kind, "response");
      assert.equal(decoder.decode(answer.body as Uint8Array), '"first"');
      assert.equal(h.lines.filter((l) => l.startsWith("REPORT")).length, 1);
    },
  );

  await t.step(
    "the deadline times it out, retires its process and refuses a late answer",
    async () => {
      const h = harness();
      const { id, outcome } = h.submit();
      h.poll();
      h.clock.advance(2999);
      assert.equal(h.scheduler.state(id), "delivered");
      h.clock.advance(1);
      const answer = await outcome;
      assert.equal(answer.kind, "error");
      assert.equal(
        answer.kind === "error" && answer.errorType,
        "Sandbox.Timedout",
      );
      assert.deepEqual(h.retired, h.spawned);
      assert.equal(h.scheduler.find(id), "timed out");
      assert.equal(h.scheduler.answer(id, ok("late")), false);
      assert.match(h.lines[1], /Task timed out after 3.00 seconds$/);
      assert.match(h.lines.at(-1)!, /\tStatus: timeout$/);
    },
  );

  await t.step(
    "an answer that comes after the deadline, before the timer fired, is the timeout",
    async () => {
      const h = harness();
      const { id, outcome } = h.submit();
      h.poll();
      h.clock.advance(3500, { fire: false });
      assert.equal(h.scheduler.answer(id, ok('"late"')), false);
      const answer = await outcome;
      assert.equal(
        answer.kind === "error" && answer.errorType,
        "Sandbox.Timedout",
      );
    },
  );

  await t.step(
    "a process that exits mid-invocation fails it with Runtime.ExitError, and the next one gets a new process",
    async () => {
      const h = harness();
      const first = h.submit();
      h.poll();
      h.exit(h.spawned[0]);
      const answer = await first.outcome;
      assert.equal(
        answer.kind === "error" && answer.errorType,
        "Runtime.ExitError",
      );
      assert.match(
        h.lines.at(-1)!,
        /\tStatus: error\tError Type: Runtime.ExitError$/,
      );
      h.submit();
      assert.equal(h.spawned.length, 2);
    },
  );

  await t.step(
    "a process that fails its init answers the queued invocations with its error, without REPORT",
    async () => {
      const h = harness();
      const { outcome } = h.submit();
      const process = h.spawned[0];
      process.initError = {
        kind: "error",
        body: encoder.encode('{"errorType":"Runtime.ImportModuleError"}'),
        errorType: "Runtime.ImportModuleError",
      };
      h.exit(process);
      const answer = await outcome;
      assert.equal(
        answer.kind === "error" && answer.errorType,
        "Runtime.ImportModuleError",
      );
      assert.match(
        h.lines[0],
        /^INIT_REPORT .*Error Type: Runtime.ImportModuleError$/,
      );
      assert.equal(h.lines.some((l) => l.startsWith("REPORT")), false);
    },
  );
});

Deno.test("a streamed answer", async (t) => {
  const stream = (): Outcome & { kind: "stream" } => ({
    kind: "stream",
    body: new ReadableStream(),
    contentType: "text/plain",
  });

  await t.step(
    "reaches the caller when it starts; END and REPORT follow its end",
    async () => {
      const h = harness();
      const { id, outcome } = h.submit();
      h.poll();
      const relayed = stream();
      assert.equal(h.scheduler.stream(id, relayed, () => {}), true);
      assert.equal(await outcome, relayed);
      assert.equal(h.scheduler.state(id), "streaming");
      assert.equal(h.lines.some((l) => l.startsWith("REPORT")), false);
      assert.equal(h.scheduler.answer(id, relayed), true);
      assert.equal(h.scheduler.stream(id, stream(), () => {}), false);
    },
  );

  await t.step("is cut at the deadline", () => {
    const h = harness();
    const { id } = h.submit();
    h.poll();
    const aborted: Error[] = [];
    h.scheduler.stream(id, stream(), (reason) => aborted.push(reason));
    h.clock.advance(3000);
    assert.match(aborted[0].message, /Task timed out after 3.00 seconds/);
    assert.equal(h.scheduler.answer(id, stream()), false);
  });
});

Deno.test("the scheduler's sandbox", async (t) => {
  await t.step(
    "hands one process no more than its concurrency at once",
    async () => {
      const h = harness({ concurrency: 2 });
      const calls = [h.submit(), h.submit(), h.submit()];
      const delivered = [...h.poll(), ...h.poll()];
      const third = h.poll();
      assert.equal(delivered.length, 2);
      assert.equal(third.length, 0, "the third poll waits");
      assert.equal(h.scheduler.state(calls[2].id), "queued");
      h.scheduler.answer(calls[0].id, ok("0"));
      await calls[0].outcome;
      assert.equal(third[0].id, calls[2].id);
    },
  );

  await t.step(
    "throttles synchronous callers past reserved concurrency, never Event ones",
    () => {
      const h = harness({ reservedConcurrency: 1 });
      h.submit();
      assert.equal(h.scheduler.refusal("RequestResponse"), "throttled");
      assert.equal(h.scheduler.refusal("Event"), undefined);
    },
  );

  await t.step(
    "a reload waits for the invocation in flight, then retires the process and starts another",
    async () => {
      const h = harness();
      const { id, outcome } = h.submit();
      h.poll();
      h.scheduler.reload();
      assert.equal(h.retired.length, 0);
      h.scheduler.answer(id, ok("1"));
      await outcome;
      assert.deepEqual(h.retired, [h.spawned[0]]);
      assert.equal(h.spawned.length, 2);
    },
  );

  await t.step(
    "closing ends queued and running invocations with Emulator.Closed and refuses new ones",
    async () => {
      const h = harness();
      const running = h.submit();
      h.poll();
      const queued = h.submit();
      await h.scheduler.close();
      for (const { outcome } of [running, queued]) {
        const answer = await outcome;
        assert.equal(
          answer.kind === "error" && answer.errorType,
          "Emulator.Closed",
        );
      }
      assert.equal(h.scheduler.refusal("RequestResponse"), "closing");
      assert.equal(h.lines.some((l) => l.startsWith("REPORT")), false);
    },
  );

  await t.step(
    "memory peaks are read a bounded number of times however many invocations end at once",
    async () => {
      const h = harness({ concurrency: 1000 });
      const gate = Promise.withResolvers<void>();
      const reading = new FreshRead(async () => {
        await gate.promise;
        return 64 * 1048576;
      });
      h.setPeak(() => reading.read());
      const calls = Array.from({ length: 1000 }, () => h.submit());
      for (let i = 0; i < 1000; i++) h.poll();
      for (const { id } of calls) h.scheduler.answer(id, ok("1"));
      assert.equal(h.peakReads, 1000);
      gate.resolve();
      await Promise.all(calls.map((call) => call.outcome));
      const reports = h.lines.filter((l) => l.startsWith("REPORT"));
      assert.equal(reports.length, 1000);
      assert.ok(reports.every((l) => l.includes("Max Memory Used: 64 MB")));
    },
  );
});

Deno.test("FreshRead runs one read and keeps at most one waiting", async () => {
  let started = 0;
  const gates: PromiseWithResolvers<number>[] = [];
  const read = new FreshRead(() => {
    started++;
    const gate = Promise.withResolvers<number>();
    gates.push(gate);
    return gate.promise;
  });
  const first = read.read();
  const waiting = Array.from({ length: 500 }, () => read.read());
  assert.equal(started, 1);
  gates[0].resolve(1);
  assert.equal(await first, 1);
  await Promise.resolve();
  while (gates.length < 2) await Promise.resolve();
  assert.equal(started, 2);
  gates[1].resolve(2);
  assert.deepEqual(new Set(await Promise.all(waiting)), new Set([2]));
});

Deno.test("the transition table", async (t) => {
  const run = { owner: "p", deadlineMs: 0, startedAt: 0 };
  const queued: InvocationState<string> = { name: "queued" };
  const delivered = transition(transition(queued, { type: "start", run }), {
    type: "deliver",
  });
  const answered = transition(delivered, { type: "answer", outcome: ok("1") });

  await t.step(
    "moves queued → started → delivered → answered → reported",
    () => {
      assert.equal(delivered.name, "delivered");
      assert.equal(answered.name, "answered");
      assert.deepEqual(transition(answered, { type: "report" }), {
        name: "reported",
        ended: "answered",
      });
    },
  );

  for (
    const [from, event] of [
      [queued, { type: "answer", outcome: ok("1") }],
      [answered, { type: "answer", outcome: ok("2") }],
      [answered, { type: "time out", outcome: ok("2") }],
      [delivered, { type: "report" }],
      [queued, { type: "deliver" }],
    ] as const
  ) {
    await t.step(`refuses "${event.type}" when ${from.name}`, () => {
      assert.throws(
        () => transition(from, event),
        (error: unknown) =>
          error instanceof IllegalTransitionError &&
          error.name === "IllegalTransitionError",
      );
    });
  }
});

Deno.test("an invoke request's headers are read once into one value", () => {
  const request = parseInvokeRequest(
    encoder.encode("{}"),
    new Headers({
      "x-amz-invocation-type": "Event",
      "x-amz-log-type": "Tail",
      "x-amz-client-context": btoa('{"env":{}}'),
      "x-amz-tenant-id": "t-1",
      "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793",
    }),
    "req-1",
  );
  assert.deepEqual({ ...request, event: undefined }, {
    event: undefined,
    type: "Event",
    logType: "Tail",
    clientContext: '{"env":{}}',
    tenantId: "t-1",
    traceId: "Root=1-5759e988-bd862e3fe1be46a994272793",
    id: "req-1",
  });
  const plain = parseInvokeRequest(new Uint8Array(), new Headers());
  assert.equal(plain.type, "RequestResponse");
  assert.equal(plain.logType, "None");
  assert.match(
    plain.traceId,
    /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
  );
});
