// The HTTP adapter's per-request cost: event → Request → handler → Response → result, for a small and a 1 MB body.
import { createContext, readEnvironment } from "../../src/runtime.ts";
import {
  createHttpHandler,
  type HttpHandler,
  toRequest,
  toResult,
} from "../../src/http/mod.ts";

const environment = readEnvironment({
  AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
  AWS_LAMBDA_FUNCTION_NAME: "bench",
});
// One context for every iteration: its deadline signal is armed once, as the adapter's own cost is measured.
const context = createContext({
  requestId: "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
  deadlineMs: Date.now() + 24 * 3600_000,
  invocationId: undefined,
  headers: new Headers(),
  body: "",
}, environment);
globalThis.addEventListener("unload", () => {
  (context as Partial<Disposable>)[Symbol.dispose]?.();
});

// The handler echoes the request body: both directions carry the payload.
const echo: HttpHandler = (request) =>
  new Response(request.body, {
    headers: {
      "content-type": request.headers.get("content-type") ??
        "application/octet-stream",
    },
  });
const handler = createHttpHandler(echo, {
  logger: {
    trace() {},
    debug() {},
    info() {},
    warn() {},
    error() {},
    fatal() {},
  },
});

function functionUrlEvent(body: string, contentType: string, base64: boolean) {
  const host = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-west-2.on.aws";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/echo",
    rawQueryString: "tag=a&tag=b&q=caf%C3%A9",
    cookies: ["session=abc123", "theme=light"],
    headers: {
      host,
      "content-type": contentType,
      "user-agent": "curl/8.5.0",
      "x-forwarded-for": "198.51.100.23",
      "x-forwarded-proto": "https",
      "x-amzn-trace-id": "Root=1-6630f1a2-2b3c4d5e6f7a8b9c0d1e2f3a",
    },
    requestContext: {
      accountId: "anonymous",
      apiId: "abcdefghijklmnopqrstuvwxyz012345",
      domainName: host,
      domainPrefix: "abcdefghijklmnopqrstuvwxyz012345",
      http: {
        method: "POST",
        path: "/echo",
        protocol: "HTTP/1.1",
        sourceIp: "198.51.100.23",
        userAgent: "curl/8.5.0",
      },
      requestId: "9d3c1a2b-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
      routeKey: "$default",
      stage: "$default",
      time: "30/Apr/2024:12:34:56 +0000",
      timeEpoch: 1714480496123,
    },
    body,
    isBase64Encoded: base64,
  };
}

function albEvent(body: string) {
  return {
    requestContext: {
      elb: {
        targetGroupArn:
          "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/web/6d0ecf831eec9f09",
      },
    },
    httpMethod: "POST",
    path: "/echo",
    multiValueQueryStringParameters: { tag: ["a", "b"], q: ["caf%C3%A9"] },
    multiValueHeaders: {
      host: ["web-alb-1234567890.us-east-2.elb.amazonaws.com"],
      "content-type": ["application/json"],
      cookie: ["session=abc123", "theme=light"],
      "x-forwarded-for": ["198.51.100.23"],
      "x-forwarded-proto": ["https"],
    },
    body,
    isBase64Encoded: false,
  };
}

const smallJson = JSON.stringify({ name: "Ada", languages: ["en", "fr"] });
const megabyteJson = JSON.stringify({ data: "x".repeat(1024 * 1024 - 11) });
const megabyteBinary = new Uint8Array(1024 * 1024).map((_, i) => i * 7 % 256)
  .toBase64();

const cases = {
  "small JSON": {
    event: functionUrlEvent(smallJson, "application/json", false),
  },
  "1 MB JSON": {
    event: functionUrlEvent(megabyteJson, "application/json", false),
  },
  "1 MB binary (base64 both ways)": {
    event: functionUrlEvent(megabyteBinary, "application/octet-stream", true),
  },
};

for (const [label, { event }] of Object.entries(cases)) {
  const group = label;
  const raw = JSON.stringify(event);
  // What a handler's Response would carry: the payload's bytes.
  const payload = event.isBase64Encoded
    ? Uint8Array.fromBase64(event.body)
    : new TextEncoder().encode(event.body);
  const contentType = event.headers["content-type"];

  Deno.bench(
    `function URL, ${label}: adapter (event → Request → Response → result)`,
    { group, baseline: true },
    async () => {
      await handler(event, context);
    },
  );

  Deno.bench(
    `function URL, ${label}: with the runtime's JSON parse and stringify`,
    { group },
    async () => {
      JSON.stringify(await handler(JSON.parse(raw), context));
    },
  );

  Deno.bench(
    `function URL, ${label}: toRequest only`,
    { group },
    () => {
      toRequest(event);
    },
  );

  Deno.bench(
    `function URL, ${label}: toResult only`,
    { group },
    async () => {
      await toResult(
        new Response(payload, { headers: { "content-type": contentType } }),
        event,
      );
    },
  );
}

const albSmall = albEvent(smallJson);
Deno.bench(
  "ALB multi-value, small JSON: adapter (event → Request → Response → result)",
  { group: "small JSON" },
  async () => {
    await handler(albSmall, context);
  },
);
