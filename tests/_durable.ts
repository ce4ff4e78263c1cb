// Helpers for the durable tests: a durable function made of a fixture run by Deno, the AWS SDK's Lambda
// client at the exact version that has the durable commands, and a clock the tests control.
import { permissionFlags, shellPermissionWord } from "../local/sandbox.ts";
import {
  CreateFunctionCommand,
  type Event,
  GetDurableExecutionCommand,
  type GetDurableExecutionCommandOutput,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  LambdaClient,
  SendDurableExecutionCallbackSuccessCommand,
  waitUntilFunctionActiveV2,
} from "npm:@aws-sdk/client-lambda@3.1178.0";
import { createZip } from "../scripts/zip.ts";
import type { DurableClock } from "../local/mod.ts";
import { ROLE, WAITING } from "./_control_plane.ts";

/** The AWS SDK's Lambda client (3.1178.0, which has the durable commands) for a control plane at `url`. */
export function durableClient(url: string): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}

/** A zip whose bootstrap runs `fixture` (a path under tests/fixtures) with Deno. */
export function fixtureZip(fixture: string): Uint8Array<ArrayBuffer> {
  const root = new URL("..", import.meta.url).pathname;
  // The machine's npm cache, offline: each deploy runs with a fresh TMPDIR (and DENO_DIR in it).
  const denoDir = Deno.env.get("DENO_DIR") ??
    `${Deno.env.get("HOME")}/.cache/deno`;
  const bootstrap = [
    "#!/bin/sh",
    `export DENO_DIR="${denoDir}"`,
    // The grants a function gets by default (as a build bakes them in), plus its code and the npm cache read here.
    `exec "${Deno.execPath()}" run ${
      permissionFlags([`--allow-read=${root},${denoDir}`]).map(
        shellPermissionWord,
      ).join(" ")
    } --no-prompt --cached-only --lock="${root}deno.lock" --config "${root}deno.json" "${root}tests/fixtures/${fixture}"`,
    "",
  ].join("\n");
  return createZip([{
    name: "bootstrap",
    data: new TextEncoder().encode(bootstrap),
    executable: true,
  }]) as Uint8Array<ArrayBuffer>;
}

/** Creates a durable function of `zip` and waits until it is Active. */
export async function createDurable(
  lambda: LambdaClient,
  FunctionName: string,
  zip: Uint8Array,
  DurableConfig = { ExecutionTimeout: 3600, RetentionPeriodInDays: 1 },
): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName,
      Role: ROLE,
      Runtime: "provided.al2023",
      Handler: "bootstrap",
      Code: { ZipFile: zip },
      Timeout: 30,
      DurableConfig,
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, ...WAITING }, {
    FunctionName,
  });
}

/** A clock whose durable delays fire only when the test says: `advance` fires every delay up to then. */
export class TestClock implements DurableClock {
  readonly mode = "real" as const;
  #now: number;
  #timers: { at: number; fire: () => void }[] = [];
  /** Starts at `start` ms. */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }
  /** The clock's time. */
  now(): number {
    return this.#now;
  }
  /** Delays are not shortened. */
  delay(ms: number): number {
    return Math.max(0, ms);
  }
  /** Fires `fire` once the clock passes `ms` from now. */
  schedule(ms: number, fire: () => void): () => void {
    const timer = { at: this.#now + ms, fire };
    this.#timers.push(timer);
    if (ms <= 0) queueMicrotask(() => this.advance(0));
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }
  /** Moves the clock on by `ms` and fires what came due. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#timers.filter((t) => t.at <= this.#now);
    this.#timers = this.#timers.filter((t) => t.at > this.#now);
    for (const timer of due) timer.fire();
  }
}

/** Polls `check` (a real request each time) until it answers a value; gives up after a minute. */
export async function until<T>(
  check: () => Promise<T | undefined>,
  what: string,
): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Gave up waiting for ${what}`);
}

/** How an order of examples/durable ended: the execution and its history. */
export interface OrderRun {
  /** The closed execution. */
  done: GetDurableExecutionCommandOutput;
  /** Its history, with the execution's data. */
  events: Event[];
}

/**
 * Starts order o-1 of examples/durable on `FunctionName` (an `Event` invoke named o-1), answers its
 * manager's callback with an approval once it starts, and waits for the execution to close.
 */
export async function runOrder(
  lambda: LambdaClient,
  FunctionName: string,
): Promise<OrderRun> {
  const order = { id: "o-1", items: ["book", "lamp"], total: 42 };
  const started = await lambda.send(
    new InvokeCommand({
      FunctionName,
      InvocationType: "Event",
      DurableExecutionName: "o-1",
      Payload: new TextEncoder().encode(JSON.stringify(order)),
    }),
  );
  const DurableExecutionArn = started.DurableExecutionArn!;
  const history = async () =>
    (await lambda.send(
      new GetDurableExecutionHistoryCommand({
        DurableExecutionArn,
        IncludeExecutionData: true,
      }),
    )).Events ?? [];
  const callback = await until(
    async () =>
      (await history()).find((e) => e.EventType === "CallbackStarted"),
    "the approval's callback",
  );
  await lambda.send(
    new SendDurableExecutionCallbackSuccessCommand({
      CallbackId: callback.CallbackStartedDetails!.CallbackId!,
      Result: new TextEncoder().encode('{"approved":true,"by":"manager"}'),
    }),
  );
  const done = await until(async () => {
    const execution = await lambda.send(
      new GetDurableExecutionCommand({ DurableExecutionArn }),
    );
    return execution.Status === "RUNNING" ? undefined : execution;
  }, "the execution to end");
  return { done, events: await history() };
}

/** What a shipped order o-1 answers. */
export const SHIPPED = {
  id: "o-1",
  status: "shipped",
  payment: "pay-o-1-42",
  approvedBy: "manager",
  packed: ["book packed", "lamp packed"],
};

/** The names of the events of `type`, in order. */
export function namesOf(events: Event[], type: string): (string | undefined)[] {
  return events.filter((e) => e.EventType === type).map((e) => e.Name);
}
