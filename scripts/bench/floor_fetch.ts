/**
 * The fetch floor: the least a Deno function can do per invocation with
 * `fetch`: ask for the next event, post the same bytes back, nothing else.
 * No parsing, no context, no error handling. @rtl/lambda is measured
 * against it.
 *
 * @module
 */

const base = `http://${
  Deno.env.get("AWS_LAMBDA_RUNTIME_API")
}/2018-06-01/runtime/invocation/`;

for (;;) {
  const next = await fetch(base + "next");
  const id = next.headers.get("lambda-runtime-aws-request-id");
  const event = await next.bytes();
  const posted = await fetch(`${base}${id}/response`, {
    method: "POST",
    body: event,
  });
  await posted.bytes();
}
