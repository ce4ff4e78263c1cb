/**
 * VPC Lattice targets, event structure 1.0 (snake_case) and 2.0.
 *
 * @module
 */

import type { SourceAdapter } from "./_adapter.ts";
import type { EncodedBody } from "./_body.ts";
import { decodeRequestBody } from "./_body.ts";
import { isObject } from "./_detect.ts";
import {
  firstHeaderValue,
  lastHeaderValue,
  requestHeaders,
  type ResponseHead,
} from "./_headers.ts";
import { buildRequest } from "./_request.ts";
import { statusDescription } from "./_status_text.ts";
import { encodeQuery, requestUrl, stripPathPrefix } from "./_url.ts";

/**
 * A VPC Lattice event, structure 2.0: header and query values are lists.
 *
 * @example
 * ```ts
 * import type { VpcLatticeV2Event } from "@rtl/lambda/http";
 *
 * const event: VpcLatticeV2Event = {
 *   version: "2.0",
 *   path: "/todos",
 *   method: "GET",
 *   headers: { host: ["svc-1.7d67968.vpc-lattice-svcs.us-east-2.on.aws"] },
 *   queryStringParameters: { "order-id": ["1"] },
 *   body: "",
 *   isBase64Encoded: false,
 *   requestContext: { region: "us-east-2" },
 * };
 * ```
 */
export interface VpcLatticeV2Event {
  /** `"2.0"`. */
  version?: string;
  /** The path; with the query string as the client sent it, when it has one. */
  path: string;
  /** The method. */
  method: string;
  /** Headers, every value (older events carry one string). */
  headers?: Record<string, string[] | string | undefined> | null;
  /** Query parameters (decoded), every value. */
  queryStringParameters?: Record<string, string[] | string | undefined> | null;
  /** The body, text or base64. */
  body?: string | null;
  /** Whether `body` is base64. */
  isBase64Encoded?: boolean;
  /** The service, target group and caller identity. */
  requestContext?: {
    serviceNetworkArn?: string;
    serviceArn?: string;
    targetGroupArn?: string;
    identity?: Record<string, unknown>;
    region?: string;
    timeEpoch?: string;
    [key: string]: unknown;
  };
}

/**
 * A VPC Lattice event, structure 1.0 (snake_case keys).
 *
 * @example
 * ```ts
 * import type { VpcLatticeV1Event } from "@rtl/lambda/http";
 *
 * const event: VpcLatticeV1Event = {
 *   raw_path: "/todos?order-id=1",
 *   method: "GET",
 *   headers: { host: "svc-1.7d67968.vpc-lattice-svcs.us-east-2.on.aws" },
 *   query_string_parameters: { "order-id": "1" },
 *   body: "",
 *   is_base64_encoded: false,
 * };
 * ```
 */
export interface VpcLatticeV1Event {
  /** The path, with the query string when the client sent one. */
  raw_path: string;
  /** The method. */
  method: string;
  /** Headers. */
  headers?: Record<string, string | undefined> | null;
  /** Query parameters (decoded). */
  query_string_parameters?: Record<string, string | undefined> | null;
  /** The body, text or base64. */
  body?: string | null;
  /** Whether `body` is base64. */
  is_base64_encoded?: boolean;
}

/**
 * The result VPC Lattice expects (both structures): one value per header,
 * so every `Set-Cookie` folded into one, joined by `, ` (as Hono's adapter
 * sends them).
 *
 * @example
 * ```ts
 * import type { VpcLatticeResult } from "@rtl/lambda/http";
 *
 * const result: VpcLatticeResult = {
 *   statusCode: 200,
 *   statusDescription: "200 OK",
 *   headers: { "content-type": "application/json" },
 *   body: "{}",
 *   isBase64Encoded: false,
 * };
 * ```
 */
export interface VpcLatticeResult {
  /** The status. */
  statusCode: number;
  /** The status code and its reason phrase. */
  statusDescription: string;
  /** The headers. */
  headers: Record<string, string>;
  /** The body, text or base64. */
  body: string;
  /** Whether `body` is base64. */
  isBase64Encoded: boolean;
}

function _layout(head: ResponseHead, body: EncodedBody): VpcLatticeResult {
  if (head.cookies.length > 0) {
    head.headers["set-cookie"] = head.cookies.join(", ");
  }
  return {
    statusCode: head.statusCode,
    statusDescription: statusDescription(head.statusCode, head.statusText),
    headers: head.headers,
    ...body,
  };
}

function _request(
  method: string,
  headers: Headers,
  path: string,
  query: string,
  body: string | Uint8Array<ArrayBuffer> | null,
  basePath: string | undefined,
  signal: AbortSignal | undefined,
): Request {
  const host = headers.get("host") ?? "localhost";
  const scheme = firstHeaderValue(headers.get("x-forwarded-proto")) ??
    "https";
  return buildRequest({
    method,
    url: requestUrl(
      scheme,
      host,
      basePath ? stripPathPrefix(path, basePath) : path,
      query,
    ),
    headers,
    body,
    signal,
  });
}

// A path that carries the query as the client sent it wins over the decoded map.
function _pathAndQuery(path: string, decoded: () => string): [string, string] {
  const mark = path.indexOf("?");
  return mark === -1
    ? [path, decoded()]
    : [path.slice(0, mark), path.slice(mark + 1)];
}

function _lists(
  map: Record<string, string[] | string | undefined> | null | undefined,
): Record<string, string[] | undefined> {
  const lists: Record<string, string[] | undefined> = {};
  for (const name in map ?? {}) {
    const value = map![name];
    lists[name] = typeof value === "string" ? [value] : value;
  }
  return lists;
}

/** The adapter for VPC Lattice 2.0 events. */
export const vpcLatticeV2: SourceAdapter<VpcLatticeV2Event, VpcLatticeResult> =
  {
    accepts(event: unknown): event is VpcLatticeV2Event {
      return isObject(event) && typeof event.method === "string" &&
        typeof event.path === "string";
    },
    method: (event) => event.method.toUpperCase(),
    sourceIp(event) {
      const forwarded = event.headers?.["x-forwarded-for"];
      return lastHeaderValue(
        Array.isArray(forwarded) ? forwarded.join(", ") : forwarded ?? null,
      );
    },
    toRequest(event, options) {
      const method = event.method.toUpperCase();
      const [path, query] = _pathAndQuery(
        event.path,
        () => encodeQuery(_lists(event.queryStringParameters)),
      );
      return _request(
        method,
        requestHeaders(undefined, _lists(event.headers)),
        path,
        query,
        decodeRequestBody(event.body, event.isBase64Encoded, method),
        options.basePath,
        options.signal,
      );
    },
    layout: (head, body) => _layout(head, body),
  };

/** The adapter for VPC Lattice 1.0 events. */
export const vpcLatticeV1: SourceAdapter<VpcLatticeV1Event, VpcLatticeResult> =
  {
    accepts(event: unknown): event is VpcLatticeV1Event {
      return isObject(event) && typeof event.method === "string" &&
        typeof event.raw_path === "string";
    },
    method: (event) => event.method.toUpperCase(),
    sourceIp: (event) =>
      lastHeaderValue(event.headers?.["x-forwarded-for"] ?? null),
    toRequest(event, options) {
      const method = event.method.toUpperCase();
      const [path, query] = _pathAndQuery(
        event.raw_path,
        () => encodeQuery(undefined, event.query_string_parameters),
      );
      return _request(
        method,
        requestHeaders(event.headers, undefined),
        path,
        query,
        decodeRequestBody(event.body, event.is_base64_encoded, method),
        options.basePath,
        options.signal,
      );
    },
    layout: (head, body) => _layout(head, body),
  };
