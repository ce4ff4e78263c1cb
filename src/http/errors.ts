/**
 * The errors the HTTP adapter raises, with stable names to match on.
 *
 * @module
 */

import { LambdaRuntimeError } from "../core/errors.ts";

/**
 * The event is not an HTTP event from a source the adapter knows (or lacks
 * what the forced source needs). It fails the invocation: its `name` is the
 * `errorType` Lambda reports.
 *
 * @example
 * ```ts
 * import { NotHttpEventError } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * const error = new NotHttpEventError("an SQS batch is not an HTTP request");
 * assert.equal(error.name, "NotHttpEventError");
 * ```
 */
export class NotHttpEventError extends LambdaRuntimeError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NotHttpEventError";
  }
}

/**
 * The event is an HTTP event, but no web `Request` can be built from it (a
 * forbidden method, a header value that is not a byte string, a malformed
 * base64 body). The client gets a `400 Bad Request`; the handler is not
 * called.
 *
 * @example
 * ```ts
 * import { HttpRequestError } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new HttpRequestError("bad header").name, "HttpRequestError");
 * ```
 */
export class HttpRequestError extends LambdaRuntimeError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HttpRequestError";
  }
}

/**
 * A pass-through event (`passThrough: true`) was answered with a `5xx`
 * status: the invocation fails, so that its source (SQS, EventBridge, …)
 * retries the event.
 *
 * @example
 * ```ts
 * import { HttpPassThroughError } from "@rtl/lambda/http";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new HttpPassThroughError("503").name, "HttpPassThroughError");
 * ```
 */
export class HttpPassThroughError extends LambdaRuntimeError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HttpPassThroughError";
  }
}
