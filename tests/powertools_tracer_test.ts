// Powertools for AWS Lambda (TypeScript) Tracer from npm, unchanged, under the emulator: the subsegments it
// sends over UDP to AWS_XRAY_DAEMON_ADDRESS (a socket this test listens on) carry each invocation's trace.
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { emulate, type TestEmulator } from "./_emulator.ts";
import { permissionFlags } from "../scripts/build.ts";

const entry = new URL("./fixtures/aws_sdk/tracer.ts", import.meta.url)
  .pathname;
// What aws-xray-sdk-core reads at import beyond the defaults, and the UDP socket's bind to 0.0.0.0:0.
const declaration = {
  env: [
    "POWERTOOLS_*",
    "DEBUG_CLS_HOOKED",
    "npm_package_name",
    "npm_package_version",
  ],
  net: ["0.0.0.0:0"],
};

/** A subsegment as the X-Ray SDK sends it to the daemon. */
interface Subsegment {
  name: string;
  trace_id: string;
  parent_id: string;
  annotations: Record<string, unknown>;
}

/** A stand-in X-Ray daemon: a UDP socket on 127.0.0.1 that keeps the subsegments it receives, by name. */
class Daemon implements AsyncDisposable {
  readonly #socket: Socket;
  readonly #received = new Map<string, Subsegment>();
  readonly #waiting = new Map<string, (segment: Subsegment) => void>();

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("message", (message: Uint8Array) => {
      // A header line, then the document.
      const text = new TextDecoder().decode(message);
      const segment = JSON.parse(text.slice(text.indexOf("\n") + 1));
      this.#received.set(segment.name, segment);
      this.#waiting.get(segment.name)?.(segment);
    });
  }

  static async start(): Promise<Daemon> {
    const socket = createSocket("udp4");
    await new Promise<void>((bound) => socket.bind(0, "127.0.0.1", bound));
    return new Daemon(socket);
  }

  /** The value for `AWS_XRAY_DAEMON_ADDRESS`. */
  get address(): string {
    return `127.0.0.1:${this.#socket.address().port}`;
  }

  /** The subsegment named `name`, once it has arrived. */
  async subsegment(name: string): Promise<Subsegment> {
    const received = this.#received.get(name);
    if (received !== undefined) return received;
    const arrived = Promise.withResolvers<Subsegment>();
    this.#waiting.set(name, arrived.resolve);
    return await arrived.promise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await new Promise<void>((closed) => this.#socket.close(closed));
  }
}

/** An X-Ray trace header with a new root and parent, sampled. */
function traceHeader(): { root: string; parent: string; header: string } {
  const hex = (bytes: number) =>
    Array.from(
      crypto.getRandomValues(new Uint8Array(bytes)),
      (byte) => byte.toString(16).padStart(2, "0"),
    ).join("");
  const root = `1-${hex(4)}-${hex(12)}`;
  const parent = hex(8);
  return { root, parent, header: `Root=${root};Parent=${parent};Sampled=1` };
}

/** Everything the function and the platform wrote, as one text. */
function text(emulator: TestEmulator): string {
  return emulator.lines.map(({ line }) => line).join("\n");
}

async function invoke(
  emulator: TestEmulator,
  event: { tag: string; hold?: boolean; release?: boolean },
  trace: { header: string },
): Promise<{ tag: string; traceId: string }> {
  const { status, body } = await emulator.call(event, {
    "X-Amzn-Trace-Id": trace.header,
  });
  assert.equal(status, 200, text(emulator));
  assert.equal(body?.tag, event.tag, JSON.stringify(body));
  assert.equal(body.tracing, true, "Tracer is off: is AWS_EXECUTION_ENV set?");
  return body;
}

/**
 * One more invocation, so that what the last one left to send goes out: the SDK's UDP send can still be
 * pending when the runtime asks for the next event, and the sandbox is frozen until one comes (docs/node-compat.md).
 */
async function flush(emulator: TestEmulator, tag: string): Promise<void> {
  await emulator.call({ tag }, { "X-Amzn-Trace-Id": traceHeader().header });
}

Deno.test("Powertools Tracer", async (t) => {
  await t.step("one invocation at a time", async (t) => {
    await using daemon = await Daemon.start();
    await using emulator = await emulate(entry, {
      permissions: permissionFlags([], { declaration }),
      env: { AWS_XRAY_DAEMON_ADDRESS: daemon.address },
      timeout: 30,
    });
    const first = traceHeader();
    const second = traceHeader();
    await invoke(emulator, { tag: "first" }, first);
    await invoke(emulator, { tag: "second" }, second);
    await flush(emulator, "flush");
    const one = await daemon.subsegment("## first");
    const two = await daemon.subsegment("## second");

    await t.step(
      "the handler's subsegment carries the invocation's trace id and, as parent, the caller's segment",
      () => {
        assert.equal(one.name, "## first");
        assert.equal(one.trace_id, first.root);
        assert.equal(one.parent_id, first.parent);
        assert.deepEqual(one.annotations, {
          ColdStart: true,
          Service: "fixture",
          tag: "first",
        });
      },
    );

    await t.step(
      "the next invocation's subsegment carries its own trace, not the first one's",
      () => {
        assert.equal(two.name, "## second");
        assert.equal(two.trace_id, second.root);
        assert.equal(two.parent_id, second.parent);
        assert.equal(two.annotations.ColdStart, false);
      },
    );
  });

  await t.step("at concurrency 2", async (t) => {
    await using daemon = await Daemon.start();
    await using emulator = await emulate(entry, {
      permissions: permissionFlags([], { declaration }),
      env: { AWS_XRAY_DAEMON_ADDRESS: daemon.address },
      concurrency: 2,
      timeout: 30,
    });

    await t.step(
      "one after another, each subsegment carries its own trace, read from the InvokeStore",
      async () => {
        const first = traceHeader();
        const second = traceHeader();
        await invoke(emulator, { tag: "first" }, first);
        await invoke(emulator, { tag: "second" }, second);
        await flush(emulator, "flush-sequential");
        const one = await daemon.subsegment("## first");
        const two = await daemon.subsegment("## second");
        assert.deepEqual(
          [one.name, one.trace_id, one.parent_id],
          ["## first", first.root, first.parent],
        );
        assert.deepEqual(
          [two.name, two.trace_id, two.parent_id],
          ["## second", second.root, second.parent],
        );
      },
    );

    await t.step(
      "two overlapping invocations each read their own trace id and annotate their own subsegment",
      async () => {
        const held = traceHeader();
        const releasing = traceHeader();
        // "held" cannot finish until "releasing" has opened its subsegment: both are in flight together.
        const [heldAnswer, releasingAnswer] = await Promise.all([
          invoke(emulator, { tag: "held", hold: true }, held),
          invoke(emulator, { tag: "releasing", release: true }, releasing),
        ]);
        assert.equal(heldAnswer.traceId, held.root);
        assert.equal(releasingAnswer.traceId, releasing.root);
        await flush(emulator, "flush-overlapping");
        const heldSegment = await daemon.subsegment("## held");
        const releasingSegment = await daemon.subsegment("## releasing");
        assert.equal(heldSegment.annotations.tag, "held");
        assert.equal(releasingSegment.annotations.tag, "releasing");
      },
    );
  });

  await t.step(
    "without the UDP socket's net grant the error says which grant to add",
    async () => {
      await using daemon = await Daemon.start();
      await using emulator = await emulate(entry, {
        permissions: permissionFlags([], {
          declaration: { env: declaration.env },
        }),
        env: { AWS_XRAY_DAEMON_ADDRESS: daemon.address },
        timeout: 30,
      });
      await emulator.call({ tag: "refused" }, {
        "X-Amzn-Trace-Id": traceHeader().header,
      });
      // The send fails after the answer, at the latest in the next invocation (then failing it, with the
      // same message); closing drains the output.
      await flush(emulator, "flush");
      await emulator.close();
      assert.match(
        text(emulator),
        /Requires net access to \\?"0\.0\.0\.0:0\\?".*Grant it: add \\?"net\\?": \[\\?"0\.0\.0\.0:0\\?"\]/,
      );
    },
  );
});
