// The echo example's handler for Node's runtime interface client.
// deno-lint-ignore require-await -- Node handlers without a callback are async, as AWS documents them.
export const handler = async (event, context) => {
  if (
    event === null || event === "" ||
    (typeof event === "object" && Object.keys(event).length === 0)
  ) {
    throw new Error("The event is empty: send something to echo");
  }
  const text = typeof event === "string" ? event : JSON.stringify(event);
  return { message: `ECHO: ${text}`, requestId: context.awsRequestId };
};
