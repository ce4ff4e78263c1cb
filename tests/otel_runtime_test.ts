// OpenTelemetry in the runtime: with OTEL_DENO=true each invocation is one FaaS span on Deno's tracer, the handler's fetch and logs hang under it, and all of it is exported before the runtime asks for the next event.
import { refusedAddress } from "./_raw_server.ts";
import assert from "node:assert/strict";
import { OTEL_DEFAULTS } from "../src/runtime.ts";
import { faultyRuntimeApi } from "./_faulty_runtime_api.ts";
import {
  otlpReceiver,
  type ReceivedLog,
  type ReceivedSpan,
} from "./_otlp_receiver.ts";

const fixture = new URL("./fixtures/otel_function.ts", import.meta.url)
  .pathname;
const TRACE_HEADER =
  "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
const ARN = "arn:aws:lambda:eu-west-1:123456789012:function:otel-fn";

/** The function as a process against `runtimeApi`, with `env` on top of Lambda's variables; killed on dispose. */
function startFunction(runtimeApi: string, env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      "--allow-env",
      fixture,
    ],
    env: {
      AWS_LAMBDA_RUNTIME_API: runtimeApi,
      AWS_LAMBDA_FUNCTION_NAME: "otel-fn",
      AWS_LAMBDA_FUNCTION_VERSION: "7",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
      AWS_REGION: "eu-west-1",
      NO_COLOR: "1",
      ...env,
    },
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).spawn();
  return {
    async [Symbol.asyncDispose]() {
      child.kill();
      await child.status;
    },
  };
}

const otelOn = (endpoint: string, flushMs: number) => ({
  ...OTEL_DEFAULTS,
  OTEL_DENO: "true",
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  RTL_LAMBDA_OTEL_FLUSH_MS: String(flushMs),
});

Deno.test("OpenTelemetry in the runtime", async (t) => {
  await t.step(
    "an invocation's span, its fetch child and its logs share the X-Ray trace and arrive before the next /next",
    async () => {
      // A collector 200 ms away; the bound, far above it: the assertion is on order, not speed.
      await using receiver = otlpReceiver({ latencyMs: 200 });
      const atNext: { seen?: { spans: ReceivedSpan[]; logs: ReceivedLog[] } } =
        {};
      await using api = faultyRuntimeApi(["req-1"], {
        event: () => JSON.stringify({ url: receiver.backend }),
        headers: () => ({
          "lambda-runtime-trace-id": TRACE_HEADER,
          "lambda-runtime-invoked-function-arn": ARN,
        }),
        // What had arrived when the runtime asked for the next event.
        onNext: (n) => {
          if (n === 1) {
            atNext.seen = {
              spans: [...receiver.spans],
              logs: [...receiver.logs],
            };
          }
        },
      });
      await using _fn = startFunction(
        api.authority,
        otelOn(receiver.endpoint, 2_000),
      );
      await api.drained;
      const seen = atNext.seen;
      assert.ok(seen);

      const invocation = seen.spans.find((s) => s.scope === "@rtl/lambda");
      assert.ok(
        invocation,
        "the invocation span arrived before the next /next",
      );
      assert.equal(invocation.name, "otel-fn");
      assert.equal(
        invocation.kind,
        2,
        "SERVER (OTLP JSON counts kinds from 1)",
      );
      assert.equal(invocation.traceId, "5759e988bd862e3fe1be46a994272793");
      assert.equal(invocation.parentSpanId, "53995c3f42cd8ad8");
      assert.deepEqual(invocation.attributes, {
        "faas.trigger": "other",
        "faas.invocation_id": "req-1",
        "faas.coldstart": true,
        "faas.name": "otel-fn",
        "faas.version": "7",
        "faas.max_memory": 256 * 1024 * 1024,
        "cloud.provider": "aws",
        "cloud.platform": "aws_lambda",
        "cloud.region": "eu-west-1",
        "cloud.account.id": "123456789012",
        "cloud.resource_id": ARN,
        "aws.lambda.invoked_arn": ARN,
      });

      const fetchSpan = seen.spans.find((s) =>
        s.attributes["url.full"] === receiver.backend
      );
      assert.ok(
        fetchSpan,
        "the handler's fetch span arrived before the next /next",
      );
      assert.equal(fetchSpan.traceId, invocation.traceId);
      assert.equal(fetchSpan.parentSpanId, invocation.spanId);

      for (const line of ["calling the backend", "from the logger"]) {
        const log: ReceivedLog | undefined = seen.logs.find((l) =>
          l.body.includes(line)
        );
        assert.ok(log, `the log line "${line}" arrived`);
        assert.equal(log.traceId, invocation.traceId);
        assert.equal(log.spanId, invocation.spanId);
      }
      // The runtime's own Runtime API requests are in no trace.
      assert.ok(
        !seen.spans.some((s) =>
          String(s.attributes["url.full"]).includes("/runtime/")
        ),
      );
    },
  );

  await t.step(
    "an exporter that refuses connections costs the bound and fails nothing",
    async () => {
      await using api = faultyRuntimeApi(["req-1", "req-2"], {
        headers: () => ({ "lambda-runtime-trace-id": TRACE_HEADER }),
      });
      await using _fn = startFunction(
        api.authority,
        otelOn(`http://${refusedAddress()}`, 50),
      );
      // Both answered as responses, and the runtime asked for a third event.
      await api.drained;
      assert.deepEqual([...api.answers], [["req-1", 1], ["req-2", 1]]);
    },
  );

  await t.step(
    "with OTEL_DENO unset, nothing is sent to the endpoint",
    async () => {
      await using receiver = otlpReceiver();
      await using api = faultyRuntimeApi(["req-1"], {
        event: () => JSON.stringify({ url: receiver.backend }),
      });
      await using _fn = startFunction(api.authority, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      });
      await api.drained;
      assert.deepEqual([...api.answers], [["req-1", 1]]);
      assert.equal(receiver.requests(), 0);
    },
  );
});

Deno.test("with OpenTelemetry off, its layer is not part of what mod.ts loads", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL("../mod.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: {
        code?: { specifier: string };
        isDynamic?: boolean;
      }[];
    }[];
  };
  // What loads with mod.ts: its static imports, followed; a dynamic import loads only when it runs.
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const loaded = new Set<string>();
  const todo = [...graph.roots];
  for (let specifier; (specifier = todo.pop()) !== undefined;) {
    if (loaded.has(specifier)) continue;
    loaded.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dependency.code && !dependency.isDynamic) {
        todo.push(dependency.code.specifier);
      }
    }
  }
  const otel = [...loaded]
    .filter((specifier) => specifier.includes("/src/otel/"))
    .map((specifier) => specifier.slice(specifier.indexOf("/src/otel/")));
  // Only the gate that imports the layer when OTEL_DENO=true.
  assert.deepEqual(otel, ["/src/otel/load.ts"]);
});
