// The emulator with OTel on (OTEL_DENO=true): it receives the function's OTLP exports on its own port, which the
// function may reach, and prints each invocation's spans as a tree after its REPORT line.
import assert from "node:assert/strict";
import { afterReport, emulate, fixture } from "./_emulator.ts";
import { HAND_EXPORT_ENV } from "./_otlp.ts";
import { startEmulatorCli } from "./_emulator_cli.ts";

const entry = fixture("fixtures/otlp_function.ts");

/** A loopback server the function fetches: its span is the invocation span's child. */
function target(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("ok"),
  );
}

for (const format of ["json", "protobuf"] as const) {
  Deno.test(`an invocation's spans exported as OTLP/${format} print as a tree after its REPORT line`, async () => {
    await using server = target();
    await using emulator = await emulate(entry, {
      env: { ...HAND_EXPORT_ENV },
    });
    const url = `http://127.0.0.1:${server.addr.port}/`;
    const answer = await emulator.call({ urls: [url], format });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.exported, 200);
    assert.equal(answer.body.endpoint, emulator.otlpUrl);
    const tree = afterReport(emulator, answer.requestId!);
    assert.equal(
      tree[0].replace(/\d+\.\d ms/, "N ms"),
      "  └ invoke function N ms  (faas.trigger=other)",
    );
    assert.equal(
      tree[1].replace(/\d+\.\d ms/, "N ms"),
      `     └ GET ${url} N ms 200`,
    );
  });
}

Deno.test("OTel off (no OTEL_DENO): no receiver, no endpoint in the function's environment", async () => {
  await using emulator = await emulate(fixture("fixtures/env_function.ts"));
  assert.equal(emulator.otlpUrl, undefined);
  const answer = await emulator.call(["OTEL_EXPORTER_OTLP_ENDPOINT"]);
  assert.deepEqual(answer.body, {});
});

Deno.test("a script with OTel on gets the runtime's OTEL_DEFAULTS and its name as service, below its own settings", async () => {
  await using emulator = await emulate(fixture("fixtures/env_function.ts"), {
    env: { OTEL_DENO: "true", OTEL_TRACES_SAMPLER: "always_on" },
    functionName: "checkout",
  });
  const answer = await emulator.call([
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_TRACES_SAMPLER",
    "OTEL_SERVICE_NAME",
  ]);
  assert.deepEqual(answer.body, {
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1",
    OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "1",
    OTEL_TRACES_SAMPLER: "always_on",
    OTEL_SERVICE_NAME: "checkout",
  });
});

Deno.test("the CLI warns of no OTel variable: the runtime's are in the default grant, Deno reads the others itself", async () => {
  const warned = async (env: string[]) => {
    await using cli = await startEmulatorCli([
      fixture("fixtures/env_function.ts"),
      "--port",
      "0",
      ...env.flatMap((one) => ["--env", one]),
    ]);
    // The warning comes before the banner startEmulatorCli waited for.
    return /^The function reads (.*) as unset \(outside its grant\)/m
      .exec(cli.stderr.text)?.[1];
  };
  assert.equal(
    await warned([
      "OTEL_DENO=true",
      "OTEL_PROPAGATORS=tracecontext",
      "OTEL_SERVICE_NAME=checkout",
      "OTEL_EXPORTER_OTLP_PROTOCOL=http/json",
    ]),
    undefined,
  );
  assert.equal(await warned(["OTEL_DENO=true", "TABLE=orders"]), "TABLE");
});
