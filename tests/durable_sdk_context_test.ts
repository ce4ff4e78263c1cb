// The context is accepted where libraries typed with @types/aws-lambda's Context expect one (AWS's durable
// execution SDK first among them): it has Node's legacy completion methods, which throw an error naming the fix,
// as Node's runtime removed them with nodejs24.x.
import assert from "node:assert/strict";
import type { Context as AwsContext } from "npm:@types/aws-lambda@8.10.164";
import {
  type DurableContext,
  type DurableExecutionInvocationInput,
  type DurableExecutionInvocationOutput,
  withDurableExecution,
} from "npm:@aws/durable-execution-sdk-js@2.4.0";
import type { Context, HandlerSource } from "../mod.ts";
import { createContext, LegacyCompletionError } from "../src/runtime.ts";
import { environment, invocation } from "./_fake_runtime_api.ts";

Deno.test("the context is assignable to @types/aws-lambda's Context", () => {
  const context: Context = createContext(
    invocation("{}", "req-1"),
    environment,
  );
  // Checked by the type checker: this line did not compile (TS2741: done, fail, succeed missing).
  const aws: AwsContext = context;
  assert.equal(aws.awsRequestId, "req-1");
  aws.callbackWaitsForEmptyEventLoop = true;
  assert.equal(context.callbackWaitsForEmptyEventLoop, true);
});

Deno.test("withDurableExecution's handler is a handler run() takes, as written", () => {
  // Checked by the type checker: run(withDurableExecution(…)) failed with TS2345 on the context.
  const source: HandlerSource<
    DurableExecutionInvocationInput,
    DurableExecutionInvocationOutput
  > = withDurableExecution(
    async (event: { n: number }, context: DurableContext) =>
      await context.step("double", () => Promise.resolve(event.n * 2)),
  );
  assert.equal(typeof source, "function");
});

Deno.test("Node's legacy completion methods throw an error that names the fix", async (t) => {
  const context = createContext(invocation("{}"), environment);
  const cases = [
    ["done", () => context.done(undefined, 1), /return the result or throw/],
    ["fail", () => context.fail("no"), /throw the error from the handler/],
    ["succeed", () => context.succeed(1), /return the result from the handler/],
  ] as const;
  for (const [method, call, fix] of cases) {
    await t.step(method, () => {
      assert.throws(call, (error: unknown) => {
        assert.ok(error instanceof LegacyCompletionError);
        assert.equal(error.name, "LegacyCompletionError");
        assert.match(error.message, new RegExp(`context\\.${method}\\(\\)`));
        assert.match(error.message, /nodejs24\.x/);
        assert.match(error.message, fix);
        return true;
      });
    });
  }
});
