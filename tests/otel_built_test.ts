// A function built with the project (the echo example's portable zip), started by its own bootstrap with
// OTEL_DENO=true and nothing else: its invocation span reaches the OTLP endpoint the bootstrap granted,
// in the X-Ray trace, before the runtime asks for the next event.
import assert from "node:assert/strict";
import { sharedEchoZip } from "./_echo_build.ts";
import { faultyRuntimeApi } from "./_faulty_runtime_api.ts";
import { otlpReceiver, type ReceivedSpan } from "./_otlp_receiver.ts";

const TRACE_HEADER =
  "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

Deno.test("a built function with OTEL_DENO=true exports its invocation span before the next /next", async () => {
  const zip = await sharedEchoZip();
  const work = await Deno.makeTempDir({ prefix: "otel-built-" });
  try {
    const unzip = await new Deno.Command("unzip", {
      args: ["-q", zip, "-d", `${work}/task`],
    }).output();
    assert.equal(unzip.code, 0);
    await using receiver = otlpReceiver({ latencyMs: 200 });
    const atNext: { spans?: ReceivedSpan[] } = {};
    await using api = faultyRuntimeApi(["req-1"], {
      event: () => '"hello"',
      headers: () => ({ "lambda-runtime-trace-id": TRACE_HEADER }),
      onNext: (n) => {
        if (n === 1) atNext.spans = [...receiver.spans];
      },
    });
    const child = new Deno.Command(`${work}/task/bootstrap`, {
      clearEnv: true,
      env: {
        PATH: "/usr/bin:/bin",
        DENO_DIR: `${work}/cache`,
        AWS_LAMBDA_RUNTIME_API: api.authority,
        AWS_LAMBDA_FUNCTION_NAME: "echo",
        OTEL_DENO: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        // Far above the receiver's 200 ms: the assertion is on order, not speed.
        RTL_LAMBDA_OTEL_FLUSH_MS: "2000",
      },
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await api.drained;
    } finally {
      child.kill();
      await child.status;
    }
    assert.deepEqual([...api.answers], [["req-1", 1]]);
    const span = atNext.spans?.find((s) => s.scope === "@rtl/lambda");
    assert.ok(span, "the invocation span arrived before the next /next");
    assert.equal(span.name, "echo");
    assert.equal(span.traceId, "5759e988bd862e3fe1be46a994272793");
    assert.equal(span.parentSpanId, "53995c3f42cd8ad8");
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
