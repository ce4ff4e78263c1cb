// _X_AMZN_TRACE_ID shown to the function without writing the process environment (glibc leaks replaced values).
import assert from "node:assert/strict";
import process from "node:process";
import { installTraceEnv } from "../src/xray/trace_env.ts";

const NAME = "_X_AMZN_TRACE_ID";
const TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";

Deno.test("installTraceEnv", async (t) => {
  await t.step(
    "Deno.env and process.env show the trace id that was set",
    () => {
      using trace = installTraceEnv();
      trace.set(TRACE);
      assert.equal(Deno.env.get(NAME), TRACE);
      assert.equal(process.env[NAME], TRACE);
      assert.equal(Deno.env.has(NAME), true);
      assert.equal(Deno.env.toObject()[NAME], TRACE);
    },
  );

  await t.step("an invocation without one hides the variable", () => {
    using trace = installTraceEnv();
    trace.set(TRACE);
    trace.set(undefined);
    assert.equal(Deno.env.get(NAME), undefined);
    assert.equal(Deno.env.has(NAME), false);
    assert.equal(NAME in Deno.env.toObject(), false);
  });

  await t.step("the function's own set and delete of it are kept", () => {
    using _trace = installTraceEnv();
    Deno.env.set(NAME, "mine");
    assert.equal(Deno.env.get(NAME), "mine");
    Deno.env.delete(NAME);
    assert.equal(Deno.env.get(NAME), undefined);
  });

  await t.step("other variables read as before", () => {
    using trace = installTraceEnv();
    trace.set(TRACE);
    assert.equal(Deno.env.get("PATH"), Deno.env.toObject().PATH);
    assert.ok(Deno.env.get("PATH"));
  });

  await t.step("the process environment is never written", async () => {
    using trace = installTraceEnv();
    trace.set(TRACE);
    const { stdout } = await new Deno.Command("/bin/sh", {
      args: ["-c", `printf %s "\${${NAME}:-unset}"`],
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(stdout), "unset");
  });

  await t.step("disposing puts Deno.env back", () => {
    const get = Deno.env.get;
    const trace = installTraceEnv();
    trace.set(TRACE);
    trace[Symbol.dispose]();
    assert.equal(Deno.env.get(NAME), undefined);
    assert.equal(Deno.env.get, get);
  });
});
