/**
 * The streamed HTTP response format of function URLs (and API Gateway's
 * streaming proxy integration): a JSON prelude with the status, headers and
 * cookies, eight NUL bytes, then the body.
 *
 * @module
 */

/**
 * The `Content-Type` that tells Lambda a streamed response starts with an
 * HTTP prelude.
 */
export const HTTP_INTEGRATION_CONTENT_TYPE: string =
  "application/vnd.awslambda.http-integration-response";

/**
 * The JSON that precedes a streamed HTTP body.
 */
export interface HttpIntegrationPrelude {
  /** The HTTP status. */
  statusCode: number;
  /** One value per header; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Each `Set-Cookie` value, in order. */
  cookies: string[];
}

const _DELIMITER_LENGTH = 8;
/**
 * Hop-by-hop header names: they mean nothing past Lambda, whose front door
 * does its own framing, so responses leave them out.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
const _encoder = new TextEncoder();

/**
 * The prelude of a `Response`: its status, its headers but `Set-Cookie` and
 * the hop-by-hop ones (`Connection`, `Transfer-Encoding`, …), and its
 * `Set-Cookie` values as `cookies`.
 */
export function httpIntegrationPrelude(
  response: Response,
): HttpIntegrationPrelude {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie" && !HOP_BY_HOP_HEADERS.has(name)) {
      headers[name] = value;
    }
  });
  return {
    statusCode: response.status,
    headers,
    cookies: response.headers.getSetCookie(),
  };
}

/**
 * The streamed body Lambda expects for an HTTP response: the prelude's JSON
 * and eight NUL bytes as the first chunk (sent at once, so the client gets
 * the status and headers before the body starts), then the response's body
 * chunk by chunk. Send it with {@linkcode HTTP_INTEGRATION_CONTENT_TYPE}.
 * Pass `prelude` to build it another way (from an adapter's own header
 * conversion, say).
 */
export function httpIntegrationStream(
  response: Response,
  prelude: HttpIntegrationPrelude = httpIntegrationPrelude(response),
): ReadableStream<Uint8Array> {
  const json = _encoder.encode(JSON.stringify(prelude));
  let head: Uint8Array | undefined = new Uint8Array(
    json.byteLength + _DELIMITER_LENGTH,
  );
  head.set(json, 0);
  const reader = response.body?.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (head !== undefined) {
        controller.enqueue(head);
        head = undefined;
        return;
      }
      if (reader === undefined) {
        controller.close();
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader?.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
