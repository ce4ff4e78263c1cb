/**
 * The fetch floor plus the work any JSON runtime must do: identify itself
 * with a `User-Agent`, parse the event, serialise the result and post it as
 * `application/json`. Nothing else: no context, no error handling. The gap
 * between this and `floor-fetch` is the cost of the contract, not of a
 * runtime; the gap between @rtl/lambda and this is the runtime's own.
 *
 * @module
 */

const base = `http://${
  Deno.env.get("AWS_LAMBDA_RUNTIME_API")
}/2018-06-01/runtime/invocation/`;
const get = { headers: { "user-agent": "rtl-lambda/0.1.0" } };
const post = {
  "user-agent": "rtl-lambda/0.1.0",
  "content-type": "application/json",
};

for (;;) {
  const next = await fetch(base + "next", get);
  const id = next.headers.get("lambda-runtime-aws-request-id");
  const event = JSON.parse(await next.text());
  const posted = await fetch(`${base}${id}/response`, {
    method: "POST",
    body: JSON.stringify(event),
    headers: post,
  });
  await posted.arrayBuffer();
}
