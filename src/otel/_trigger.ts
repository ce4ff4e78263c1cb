// `faas.trigger` by event source (OpenTelemetry's FaaS conventions), and the headers of an HTTP event.

/** OpenTelemetry's `faas.trigger` values. */
export type FaasTrigger = "http" | "pubsub" | "datasource" | "timer" | "other";

/** What the layer reads from an event. */
export interface EventFacts {
  readonly trigger: FaasTrigger;
  /** An HTTP event's headers, names as sent. */
  readonly headers?: Readonly<Record<string, unknown>>;
}

// By a record's `eventSource` (or `EventSource`): the queues and streams, then the stores.
const _RECORD_SOURCES: Readonly<Record<string, FaasTrigger>> = {
  "aws:sqs": "pubsub",
  "aws:sns": "pubsub",
  "aws:kinesis": "pubsub",
  "aws:kafka": "pubsub",
  "selfmanagedkafka": "pubsub",
  "aws:mq": "pubsub",
  "aws:rmq": "pubsub",
  "aws:s3": "datasource",
  "aws:dynamodb": "datasource",
};

// Above this an event is not parsed a second time: its trigger reads "other".
const _LARGEST_PARSED = 1 << 20;

/** The facts of a raw event; `other` when it is not JSON, not an object, or too large to read twice. */
export function eventFacts(raw: string): EventFacts {
  if (raw.length > _LARGEST_PARSED || raw[0] !== "{") {
    return { trigger: "other" };
  }
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(raw);
  } catch {
    return { trigger: "other" };
  }
  if (_isHttp(event)) {
    const headers = event.headers;
    return {
      trigger: "http",
      ...(headers !== null && typeof headers === "object" &&
        { headers: headers as Record<string, unknown> }),
    };
  }
  const records = event.Records;
  if (Array.isArray(records) && records.length > 0) {
    const first = records[0] as Record<string, unknown> | null;
    const source = first?.eventSource ?? first?.EventSource;
    return {
      trigger: typeof source === "string"
        ? _RECORD_SOURCES[source.toLowerCase()] ?? "other"
        : "other",
    };
  }
  if (typeof event.eventSource === "string") {
    return {
      trigger: _RECORD_SOURCES[event.eventSource.toLowerCase()] ?? "other",
    };
  }
  if (
    event["detail-type"] === "Scheduled Event" ||
    event.source === "aws.scheduler"
  ) {
    return { trigger: "timer" };
  }
  return { trigger: "other" };
}

/** API Gateway (REST, HTTP, WebSocket), ALB, function URLs and VPC Lattice. */
function _isHttp(event: Record<string, unknown>): boolean {
  if (typeof event.httpMethod === "string") return true;
  const context = event.requestContext as Record<string, unknown> | undefined;
  if (context !== null && typeof context === "object") {
    if (context.http !== undefined || context.elb !== undefined) return true;
    if (typeof context.routeKey === "string") return true;
    if (typeof context.serviceNetworkArn === "string") return true;
  }
  return typeof event.method === "string" && typeof event.headers === "object";
}

/** A header of an HTTP event, by name in any case; the first of a list. */
export function eventHeader(
  headers: Readonly<Record<string, unknown>> | undefined,
  name: string,
): string | undefined {
  if (headers === undefined) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === "string") return value;
    if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  }
  return undefined;
}
