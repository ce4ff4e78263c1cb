// The Node peer used when aws-lambda-ric cannot be installed: the least loop on Node's fetch, calling the handler.
const { handler } = await import(process.argv[2]);
const base =
  `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/`;
for (;;) {
  const next = await fetch(base + "next");
  const id = next.headers.get("lambda-runtime-aws-request-id");
  const event = await next.json();
  const result = await handler(event, { awsRequestId: id });
  await (await fetch(`${base}${id}/response`, {
    method: "POST",
    body: JSON.stringify(result),
  })).arrayBuffer();
}
