// The context the loop builds for every invocation, from the /next headers.
import {
  createContext,
  type Invocation,
  readEnvironment,
} from "../../src/runtime.ts";

const environment = readEnvironment({
  AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
  AWS_LAMBDA_FUNCTION_NAME: "bench",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
});
const headers = new Headers({
  "content-type": "application/json",
  "lambda-runtime-aws-request-id": "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
  "lambda-runtime-deadline-ms": String(Date.now() + 60_000),
  "lambda-runtime-invoked-function-arn":
    "arn:aws:lambda:us-east-1:123456789012:function:bench",
  "lambda-runtime-trace-id":
    "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
  "lambda-runtime-client-context":
    '{"client":{"installationId":"i","appTitle":"t","appVersionName":"1","appVersionCode":"1","appPackageName":"p"},"env":{"platform":"deno"}}',
});
const invocation: Invocation = {
  requestId: "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
  deadlineMs: Date.now() + 60_000,
  invocationId: undefined,
  headers,
  body: "{}",
};

Deno.bench(
  "createContext from headers",
  { group: "context", baseline: true },
  () => {
    const context = createContext(invocation, environment);
    (context as Partial<Disposable>)[Symbol.dispose]?.();
  },
);

Deno.bench("createContext and read every field", { group: "context" }, () => {
  const context = createContext(invocation, environment);
  context.clientContext;
  context.identity;
  context.getRemainingTimeInMillis();
  (context as Partial<Disposable>)[Symbol.dispose]?.();
});

Deno.bench(
  "createContext and read the deadline signal",
  { group: "context" },
  () => {
    const context = createContext(invocation, environment);
    context.signal;
    (context as Partial<Disposable>)[Symbol.dispose]?.();
  },
);
