// Passing a request on to the emulator that runs the function it names, its answer streaming back.

/** An invocation (buffered, or InvokeWithResponseStream's) to `base` + `path`; `executedVersion` is what the answer says ran. */
export async function forwardInvocation(
  request: Request,
  base: string,
  path: string,
  executedVersion?: string,
): Promise<Response> {
  const headers = new Headers();
  for (const [key, value] of request.headers) {
    if (key.startsWith("x-amz-") || key === "content-type") {
      headers.set(key, value);
    }
  }
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers,
    body: await request.arrayBuffer(),
  });
  const answered = new Headers(response.headers);
  if (executedVersion !== undefined) {
    answered.set("x-amz-executed-version", executedVersion);
  }
  return new Response(response.body, {
    status: response.status,
    headers: answered,
  });
}

/** A plain HTTP request for a function URL to `base` + `path` (with the request's query). */
export async function forwardRequest(
  request: Request,
  base: string,
  path: string,
): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.delete("host");
  const response = await fetch(`${base}${path}${new URL(request.url).search}`, {
    method: request.method,
    headers,
    body: request.method === "GET" || request.method === "HEAD"
      ? undefined
      : await request.arrayBuffer(),
    redirect: "manual",
  });
  return new Response(response.body, {
    status: response.status,
    headers: response.headers,
  });
}
