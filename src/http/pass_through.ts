/**
 * The opt-in pass-through: an event from no HTTP source (SQS, EventBridge,
 * a direct invoke) reaches the handler as `POST /` with the event as its
 * JSON body, and the response's body becomes the invocation's result.
 *
 * @module
 */

import type { SourceAdapter } from "./_adapter.ts";
import { buildRequest } from "./_request.ts";
import { HttpPassThroughError } from "./errors.ts";

/** The adapter for pass-through events: any JSON value. */
export const passThrough: SourceAdapter<unknown, unknown> = {
  accepts: (_event: unknown): _event is unknown => true,
  method: () => "POST",
  sourceIp: () => undefined,
  toRequest(event, options) {
    return buildRequest({
      method: "POST",
      url: "https://localhost/",
      headers: new Headers({ "content-type": "application/json" }),
      body: JSON.stringify(event ?? null),
      signal: options.signal,
    });
  },
  layout(head, body) {
    // A 5xx fails the invocation, so that the event source retries it.
    if (head.statusCode >= 500) {
      throw new HttpPassThroughError(
        `The handler answered the pass-through event with ${head.statusCode}`,
      );
    }
    if (body.isBase64Encoded || body.body === "") {
      return body.body === "" ? null : body.body;
    }
    const type = head.headers["content-type"] ?? "";
    if (/^application\/(.+\+)?json\b/i.test(type)) return JSON.parse(body.body);
    return body.body;
  },
};
