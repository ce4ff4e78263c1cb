// One HTTP/1.1 request written by hand over TCP, so that a test can send the Host a browser would (fetch keeps its own).

/** What came back: the status, the headers (lower-case names) and the body's text. */
export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Sends `method path` to 127.0.0.1:`port` with exactly `headers` (Host included), `body` after; reads until the server closes. */
export async function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string = "",
): Promise<RawResponse> {
  const bytes = new TextEncoder().encode(body);
  const head = [
    `${method} ${path} HTTP/1.1`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${bytes.byteLength}`,
    "Connection: close",
    "",
    "",
  ].join("\r\n");
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = new Uint8Array([...new TextEncoder().encode(head), ...bytes]);
  for (let sent = 0; sent < request.byteLength;) {
    sent += await connection.write(request.subarray(sent));
  }
  // Read to the end, the connection closes itself.
  const text = new TextDecoder().decode(
    await new Response(connection.readable).arrayBuffer(),
  );
  const [top, ...rest] = text.split("\r\n\r\n");
  const [statusLine, ...lines] = top.split("\r\n");
  return {
    status: Number(statusLine.split(" ")[1]),
    headers: new Map(lines.map((line) => {
      const at = line.indexOf(":");
      return [line.slice(0, at).toLowerCase(), line.slice(at + 1).trim()];
    })),
    body: rest.join("\r\n\r\n"),
  };
}
