/**
 * The sample events `deno task invoke` sends: the typed events' test
 * fixtures (tests/fixtures/events) and the HTTP sources' (tests/fixtures/http),
 * reused from there so that there is one copy of each.
 *
 * @module
 */

import { sqsEvent } from "../../tests/fixtures/events/sqs.ts";
import { snsEvent } from "../../tests/fixtures/events/sns.ts";
import { s3Event } from "../../tests/fixtures/events/s3.ts";
import { eventBridgeEvent } from "../../tests/fixtures/events/eventbridge.ts";
import { dynamoDbEvent } from "../../tests/fixtures/events/dynamodb.ts";
import { kinesisEvent } from "../../tests/fixtures/events/kinesis.ts";
import { scheduledEvent } from "../../tests/fixtures/events/scheduled.ts";
import { sqsFifoEvent } from "../../tests/fixtures/events/sqs_fifo.ts";
import { preSignUpEvent } from "../../tests/fixtures/events/cognito_pre_sign_up.ts";
import restApi from "../../tests/fixtures/http/rest_api/get_query.json" with {
  type: "json",
};
import httpApi from "../../tests/fixtures/http/http_api/get_query.json" with {
  type: "json",
};
import alb from "../../tests/fixtures/http/alb/get_query.json" with {
  type: "json",
};
import functionUrl from "../../tests/fixtures/http/function_url/get_query.json" with {
  type: "json",
};

/** A named sample: what it is and the event. */
export interface Sample {
  /** One line on where the event comes from. */
  description: string;
  /** The event. */
  event: unknown;
}

/** The samples by name. */
export const SAMPLES: Record<string, Sample> = {
  "apigw-v1": {
    description: "API Gateway REST API, proxy integration (payload 1.0)",
    event: restApi,
  },
  "apigw-v2": {
    description: "API Gateway HTTP API (payload 2.0)",
    event: httpApi,
  },
  alb: { description: "Application Load Balancer target", event: alb },
  "function-url": {
    description: "Lambda function URL (payload 2.0)",
    event: functionUrl,
  },
  sqs: { description: "SQS standard queue, two messages", event: sqsEvent },
  "sqs-fifo": { description: "SQS FIFO queue", event: sqsFifoEvent },
  sns: { description: "SNS notification", event: snsEvent },
  s3: { description: "S3 object created", event: s3Event },
  eventbridge: { description: "EventBridge event", event: eventBridgeEvent },
  dynamodb: {
    description: "DynamoDB Streams records",
    event: dynamoDbEvent,
  },
  kinesis: { description: "Kinesis Data Streams records", event: kinesisEvent },
  schedule: {
    description: "EventBridge scheduled event",
    event: scheduledEvent,
  },
  "cognito-pre-sign-up": {
    description: "Cognito user pool pre sign-up trigger",
    event: preSignUpEvent,
  },
};
