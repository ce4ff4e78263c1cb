/**
 * Types for the events Lambda's sources send, and for the results they
 * expect back: SQS, SNS, S3, EventBridge, DynamoDB Streams, Kinesis,
 * API Gateway, ALB, function URLs, scheduled events and Cognito triggers.
 *
 * Each is an alias of the well-kept `@types/aws-lambda` definition, so the
 * module is types only: importing it adds no code to a function, and the
 * runtime (`@rtl/lambda`) never imports it.
 *
 * @example Typing a handler for an SQS queue
 * ```ts ignore
 * import { run } from "@rtl/lambda";
 * import type { SQSBatchResponse, SQSEvent } from "@rtl/lambda/events";
 *
 * run((event: SQSEvent): SQSBatchResponse => {
 *   for (const record of event.Records) console.log(record.body);
 *   return { batchItemFailures: [] };
 * });
 * ```
 *
 * @example Checking a sample event against its type
 * ```ts
 * import type { ScheduledEvent } from "@rtl/lambda/events";
 * import assert from "node:assert/strict";
 *
 * const event = {
 *   version: "0",
 *   id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
 *   "detail-type": "Scheduled Event",
 *   source: "aws.events",
 *   account: "123456789012",
 *   time: "2015-10-08T16:53:06Z",
 *   region: "us-east-1",
 *   resources: ["arn:aws:events:us-east-1:123456789012:rule/my-schedule"],
 *   detail: {},
 * } satisfies ScheduledEvent;
 * assert.equal(event.source, "aws.events");
 * ```
 *
 * @module
 */

// Aliases rather than re-exports: `deno doc --lint` would otherwise lint the npm declarations.
import type * as aws from "npm:@types/aws-lambda@8.10.164";

// SQS, and the partial batch response it accepts.

/**
 * A batch of messages from an SQS queue.
 *
 * @example
 * ```ts
 * import type { SQSEvent } from "@rtl/lambda/events";
 *
 * function bodies(event: SQSEvent): string[] {
 *   return event.Records.map((record) => record.body);
 * }
 * ```
 */
export type SQSEvent = aws.SQSEvent;

/**
 * One SQS message: `messageId`, `body`, `attributes` (with `MessageGroupId` on FIFO queues), `messageAttributes`.
 *
 * @example
 * ```ts
 * import type { SQSRecord } from "@rtl/lambda/events";
 *
 * const isFifo = (record: SQSRecord): boolean =>
 *   record.attributes.MessageGroupId !== undefined;
 * ```
 */
export type SQSRecord = aws.SQSRecord;

/**
 * The message attributes of an SQS message, by name.
 *
 * @example
 * ```ts
 * import type { SQSMessageAttributes } from "@rtl/lambda/events";
 *
 * const attributes: SQSMessageAttributes = {
 *   tenant: { stringValue: "acme", dataType: "String", stringListValues: [], binaryListValues: [] },
 * };
 * ```
 */
export type SQSMessageAttributes = aws.SQSMessageAttributes;

/**
 * What an SQS handler returns to report the messages that failed (needs `ReportBatchItemFailures` on the event source mapping).
 *
 * @example
 * ```ts
 * import type { SQSBatchResponse } from "@rtl/lambda/events";
 *
 * const response: SQSBatchResponse = {
 *   batchItemFailures: [{ itemIdentifier: "059f36b4-87a3-44ab-83d2-661975830a7d" }],
 * };
 * ```
 */
export type SQSBatchResponse = aws.SQSBatchResponse;

/**
 * One failed SQS message, named by its `messageId`.
 *
 * @example
 * ```ts
 * import type { SQSBatchItemFailure } from "@rtl/lambda/events";
 *
 * const failure: SQSBatchItemFailure = { itemIdentifier: "059f36b4-87a3-44ab-83d2-661975830a7d" };
 * ```
 */
export type SQSBatchItemFailure = aws.SQSBatchItemFailure;

// SNS.

/**
 * Notifications from an SNS topic (one record per invocation in practice).
 *
 * @example
 * ```ts
 * import type { SNSEvent } from "@rtl/lambda/events";
 *
 * const messages = (event: SNSEvent): string[] =>
 *   event.Records.map((record) => record.Sns.Message);
 * ```
 */
export type SNSEvent = aws.SNSEvent;

/**
 * One SNS record: the subscription and the message (`Sns`).
 *
 * @example
 * ```ts
 * import type { SNSEventRecord } from "@rtl/lambda/events";
 *
 * const topic = (record: SNSEventRecord): string => record.Sns.TopicArn;
 * ```
 */
export type SNSEventRecord = aws.SNSEventRecord;

/**
 * An SNS message: `Message`, `Subject`, `TopicArn`, `MessageAttributes`, signature fields.
 *
 * @example
 * ```ts
 * import type { SNSMessage } from "@rtl/lambda/events";
 *
 * const subject = (message: SNSMessage): string => message.Subject ?? "(none)";
 * ```
 */
export type SNSMessage = aws.SNSMessage;

// S3.

/**
 * S3 event notifications sent directly to the function.
 *
 * @example
 * ```ts
 * import type { S3Event } from "@rtl/lambda/events";
 *
 * const keys = (event: S3Event): string[] =>
 *   event.Records.map((record) => decodeURIComponent(record.s3.object.key.replaceAll("+", " ")));
 * ```
 */
export type S3Event = aws.S3Event;

/**
 * One S3 notification: the bucket, the object (its key URL-encoded) and the event name.
 *
 * @example
 * ```ts
 * import type { S3EventRecord } from "@rtl/lambda/events";
 *
 * const where = (record: S3EventRecord): string =>
 *   `s3://${record.s3.bucket.name}/${record.s3.object.key}`;
 * ```
 */
export type S3EventRecord = aws.S3EventRecord;

/**
 * S3 events delivered through EventBridge (`source: "aws.s3"`).
 *
 * @example
 * ```ts
 * import type { S3NotificationEvent } from "@rtl/lambda/events";
 *
 * const bucket = (event: S3NotificationEvent): string => event.detail.bucket.name;
 * ```
 */
export type S3NotificationEvent = aws.S3NotificationEvent;

// EventBridge and scheduled events.

// Written out: deno doc's lint rejects a generic alias of an npm type; tests/events_test.ts checks it matches.
/**
 * An EventBridge event, typed by its `detail-type` and `detail`.
 *
 * @example
 * ```ts
 * import type { EventBridgeEvent } from "@rtl/lambda/events";
 *
 * type OrderPlaced = EventBridgeEvent<"OrderPlaced", { orderId: string }>;
 * const orderId = (event: OrderPlaced): string => event.detail.orderId;
 * ```
 */
export interface EventBridgeEvent<TDetailType extends string, TDetail> {
  /** The event's unique id. */
  id: string;
  /** Always "0". */
  version: string;
  /** The AWS account the event came from. */
  account: string;
  /** When the event happened (ISO 8601). */
  time: string;
  /** The region the event came from. */
  region: string;
  /** ARNs of the resources involved. */
  resources: string[];
  /** The service or application that sent it ("aws.events" for schedules). */
  source: string;
  /** What kind of event it is; with `source`, it tells how to read `detail`. */
  "detail-type": TDetailType;
  /** The event's own content. */
  detail: TDetail;
  /** The replay's name, when the event is replayed from an archive. */
  "replay-name"?: string;
}

/**
 * An EventBridge scheduled rule's event (`detail-type: "Scheduled Event"`).
 *
 * @example
 * ```ts
 * import type { ScheduledEvent } from "@rtl/lambda/events";
 *
 * const firedAt = (event: ScheduledEvent): Date => new Date(event.time);
 * ```
 */
export type ScheduledEvent<TDetail = unknown> = EventBridgeEvent<
  "Scheduled Event",
  TDetail
>;

// DynamoDB Streams, and the partial batch response it accepts.

/**
 * A batch of DynamoDB stream records.
 *
 * @example
 * ```ts
 * import type { DynamoDBStreamEvent } from "@rtl/lambda/events";
 *
 * const inserts = (event: DynamoDBStreamEvent): number =>
 *   event.Records.filter((record) => record.eventName === "INSERT").length;
 * ```
 */
export type DynamoDBStreamEvent = aws.DynamoDBStreamEvent;

/**
 * One change: `eventName` (INSERT, MODIFY, REMOVE) and the stream record in `dynamodb`.
 *
 * @example
 * ```ts
 * import type { DynamoDBRecord } from "@rtl/lambda/events";
 *
 * const sequence = (record: DynamoDBRecord): string | undefined =>
 *   record.dynamodb?.SequenceNumber;
 * ```
 */
export type DynamoDBRecord = aws.DynamoDBRecord;

/**
 * The changed item: keys, old and new images, `SequenceNumber`.
 *
 * @example
 * ```ts
 * import type { StreamRecord } from "@rtl/lambda/events";
 *
 * const id = (record: StreamRecord): string | undefined => record.Keys?.Id?.N;
 * ```
 */
export type StreamRecord = aws.StreamRecord;

/**
 * A DynamoDB attribute value in its typed JSON form (`{ S: "text" }`, `{ N: "42" }`…).
 *
 * @example
 * ```ts
 * import type { AttributeValue } from "@rtl/lambda/events";
 *
 * const value: AttributeValue = { S: "New item!" };
 * ```
 */
export type AttributeValue = aws.AttributeValue;

/**
 * What a DynamoDB Streams handler returns to report the records that failed.
 *
 * @example
 * ```ts
 * import type { DynamoDBBatchResponse } from "@rtl/lambda/events";
 *
 * const response: DynamoDBBatchResponse = { batchItemFailures: [{ itemIdentifier: "111" }] };
 * ```
 */
export type DynamoDBBatchResponse = aws.DynamoDBBatchResponse;

/**
 * One failed stream record, named by its `dynamodb.SequenceNumber`.
 *
 * @example
 * ```ts
 * import type { DynamoDBBatchItemFailure } from "@rtl/lambda/events";
 *
 * const failure: DynamoDBBatchItemFailure = { itemIdentifier: "111" };
 * ```
 */
export type DynamoDBBatchItemFailure = aws.DynamoDBBatchItemFailure;

// Kinesis Data Streams, and the partial batch response it accepts.

/**
 * A batch of Kinesis records.
 *
 * @example
 * ```ts
 * import type { KinesisStreamEvent } from "@rtl/lambda/events";
 *
 * const payloads = (event: KinesisStreamEvent): string[] =>
 *   event.Records.map((record) => atob(record.kinesis.data));
 * ```
 */
export type KinesisStreamEvent = aws.KinesisStreamEvent;

/**
 * One Kinesis record: the stream's metadata and the payload in `kinesis`.
 *
 * @example
 * ```ts
 * import type { KinesisStreamRecord } from "@rtl/lambda/events";
 *
 * const sequence = (record: KinesisStreamRecord): string => record.kinesis.sequenceNumber;
 * ```
 */
export type KinesisStreamRecord = aws.KinesisStreamRecord;

/**
 * The payload of a Kinesis record: base64 `data`, `partitionKey`, `sequenceNumber`.
 *
 * @example
 * ```ts
 * import type { KinesisStreamRecordPayload } from "@rtl/lambda/events";
 *
 * const text = (payload: KinesisStreamRecordPayload): string => atob(payload.data);
 * ```
 */
export type KinesisStreamRecordPayload = aws.KinesisStreamRecordPayload;

/**
 * What a Kinesis handler returns to report the records that failed.
 *
 * @example
 * ```ts
 * import type { KinesisStreamBatchResponse } from "@rtl/lambda/events";
 *
 * const response: KinesisStreamBatchResponse = {
 *   batchItemFailures: [{ itemIdentifier: "49590338271490256608559692538361571095921575989136588898" }],
 * };
 * ```
 */
export type KinesisStreamBatchResponse = aws.KinesisStreamBatchResponse;

/**
 * One failed Kinesis record, named by its `kinesis.sequenceNumber`.
 *
 * @example
 * ```ts
 * import type { KinesisStreamBatchItemFailure } from "@rtl/lambda/events";
 *
 * const failure: KinesisStreamBatchItemFailure = {
 *   itemIdentifier: "49590338271490256608559692538361571095921575989136588898",
 * };
 * ```
 */
export type KinesisStreamBatchItemFailure = aws.KinesisStreamBatchItemFailure;

// API Gateway REST (v1) and HTTP (v2) APIs.

/**
 * A REST API (payload format 1.0) request.
 *
 * @example
 * ```ts
 * import type { APIGatewayProxyEvent } from "@rtl/lambda/events";
 *
 * const route = (event: APIGatewayProxyEvent): string => `${event.httpMethod} ${event.path}`;
 * ```
 */
export type APIGatewayProxyEvent = aws.APIGatewayProxyEvent;

/**
 * A REST API (payload format 1.0) response.
 *
 * @example
 * ```ts
 * import type { APIGatewayProxyResult } from "@rtl/lambda/events";
 *
 * const result: APIGatewayProxyResult = { statusCode: 200, body: "ok" };
 * ```
 */
export type APIGatewayProxyResult = aws.APIGatewayProxyResult;

/**
 * An HTTP API (payload format 2.0) request.
 *
 * @example
 * ```ts
 * import type { APIGatewayProxyEventV2 } from "@rtl/lambda/events";
 *
 * const route = (event: APIGatewayProxyEventV2): string => event.routeKey;
 * ```
 */
export type APIGatewayProxyEventV2 = aws.APIGatewayProxyEventV2;

/**
 * An HTTP API (payload format 2.0) response with a status, headers and cookies.
 *
 * @example
 * ```ts
 * import type { APIGatewayProxyStructuredResultV2 } from "@rtl/lambda/events";
 *
 * const result: APIGatewayProxyStructuredResultV2 = { statusCode: 201, cookies: ["a=1"] };
 * ```
 */
export type APIGatewayProxyStructuredResultV2 =
  aws.APIGatewayProxyStructuredResultV2;

/**
 * An HTTP API (payload format 2.0) response: structured, a string, or `T` (sent as JSON).
 *
 * @example
 * ```ts
 * import type { APIGatewayProxyResultV2 } from "@rtl/lambda/events";
 *
 * const result: APIGatewayProxyResultV2<{ ok: boolean }> = { ok: true };
 * ```
 */
export type APIGatewayProxyResultV2<T = never> =
  | APIGatewayProxyStructuredResultV2
  | string
  | T;

// Application Load Balancer.

/**
 * A request from an Application Load Balancer target group.
 *
 * @example
 * ```ts
 * import type { ALBEvent } from "@rtl/lambda/events";
 *
 * const route = (event: ALBEvent): string => `${event.httpMethod} ${event.path}`;
 * ```
 */
export type ALBEvent = aws.ALBEvent;

/**
 * A response to an Application Load Balancer.
 *
 * @example
 * ```ts
 * import type { ALBResult } from "@rtl/lambda/events";
 *
 * const result: ALBResult = { statusCode: 200, statusDescription: "200 OK", body: "ok" };
 * ```
 */
export type ALBResult = aws.ALBResult;

// Function URLs.

/**
 * A request to a function URL (the HTTP API 2.0 shape).
 *
 * @example
 * ```ts
 * import type { LambdaFunctionURLEvent } from "@rtl/lambda/events";
 *
 * const path = (event: LambdaFunctionURLEvent): string => event.rawPath;
 * ```
 */
export type LambdaFunctionURLEvent = aws.LambdaFunctionURLEvent;

/**
 * A function URL response: structured, a string, or `T` (sent as JSON).
 *
 * @example
 * ```ts
 * import type { LambdaFunctionURLResult } from "@rtl/lambda/events";
 *
 * const result: LambdaFunctionURLResult = { statusCode: 204 };
 * ```
 */
export type LambdaFunctionURLResult<T = never> = APIGatewayProxyResultV2<T>;

// Cognito user pool triggers.

/**
 * Any Cognito user pool trigger, loosely typed; prefer the specific trigger types below.
 *
 * @example
 * ```ts
 * import type { CognitoUserPoolTriggerEvent } from "@rtl/lambda/events";
 *
 * const source = (event: CognitoUserPoolTriggerEvent): string => event.triggerSource;
 * ```
 */
export type CognitoUserPoolTriggerEvent = aws.CognitoUserPoolTriggerEvent;

/**
 * The pre sign-up trigger: the handler returns the event, with `response` filled in.
 *
 * @example
 * ```ts
 * import type { PreSignUpTriggerEvent } from "@rtl/lambda/events";
 *
 * function autoConfirm(event: PreSignUpTriggerEvent): PreSignUpTriggerEvent {
 *   event.response.autoConfirmUser = event.request.userAttributes.email?.endsWith("@example.com") ?? false;
 *   return event;
 * }
 * ```
 */
export type PreSignUpTriggerEvent = aws.PreSignUpTriggerEvent;

/**
 * The post confirmation trigger.
 *
 * @example
 * ```ts
 * import type { PostConfirmationTriggerEvent } from "@rtl/lambda/events";
 *
 * const email = (event: PostConfirmationTriggerEvent): string | undefined =>
 *   event.request.userAttributes.email;
 * ```
 */
export type PostConfirmationTriggerEvent = aws.PostConfirmationTriggerEvent;

/**
 * The pre authentication trigger.
 *
 * @example
 * ```ts
 * import type { PreAuthenticationTriggerEvent } from "@rtl/lambda/events";
 *
 * const user = (event: PreAuthenticationTriggerEvent): string | undefined => event.userName;
 * ```
 */
export type PreAuthenticationTriggerEvent = aws.PreAuthenticationTriggerEvent;

/**
 * The post authentication trigger.
 *
 * @example
 * ```ts
 * import type { PostAuthenticationTriggerEvent } from "@rtl/lambda/events";
 *
 * const isNew = (event: PostAuthenticationTriggerEvent): boolean => event.request.newDeviceUsed;
 * ```
 */
export type PostAuthenticationTriggerEvent = aws.PostAuthenticationTriggerEvent;

/**
 * The pre token generation trigger (version 1: ID token claims).
 *
 * @example
 * ```ts
 * import type { PreTokenGenerationTriggerEvent } from "@rtl/lambda/events";
 *
 * function addClaim(event: PreTokenGenerationTriggerEvent): PreTokenGenerationTriggerEvent {
 *   event.response.claimsOverrideDetails = { claimsToAddOrOverride: { tier: "gold" } };
 *   return event;
 * }
 * ```
 */
export type PreTokenGenerationTriggerEvent = aws.PreTokenGenerationTriggerEvent;

/**
 * The pre token generation trigger (version 2: ID and access tokens).
 *
 * @example
 * ```ts
 * import type { PreTokenGenerationV2TriggerEvent } from "@rtl/lambda/events";
 *
 * const client = (event: PreTokenGenerationV2TriggerEvent): string => event.callerContext.clientId;
 * ```
 */
export type PreTokenGenerationV2TriggerEvent =
  aws.PreTokenGenerationV2TriggerEvent;

/**
 * The custom message trigger.
 *
 * @example
 * ```ts
 * import type { CustomMessageTriggerEvent } from "@rtl/lambda/events";
 *
 * function welcome(event: CustomMessageTriggerEvent): CustomMessageTriggerEvent {
 *   event.response.emailSubject = "Welcome";
 *   return event;
 * }
 * ```
 */
export type CustomMessageTriggerEvent = aws.CustomMessageTriggerEvent;

/**
 * The user migration trigger.
 *
 * @example
 * ```ts
 * import type { UserMigrationTriggerEvent } from "@rtl/lambda/events";
 *
 * const user = (event: UserMigrationTriggerEvent): string => event.userName;
 * ```
 */
export type UserMigrationTriggerEvent = aws.UserMigrationTriggerEvent;

/**
 * The define auth challenge trigger (custom authentication flow).
 *
 * @example
 * ```ts
 * import type { DefineAuthChallengeTriggerEvent } from "@rtl/lambda/events";
 *
 * const rounds = (event: DefineAuthChallengeTriggerEvent): number => event.request.session.length;
 * ```
 */
export type DefineAuthChallengeTriggerEvent =
  aws.DefineAuthChallengeTriggerEvent;

/**
 * The create auth challenge trigger (custom authentication flow).
 *
 * @example
 * ```ts
 * import type { CreateAuthChallengeTriggerEvent } from "@rtl/lambda/events";
 *
 * const name = (event: CreateAuthChallengeTriggerEvent): string => event.request.challengeName;
 * ```
 */
export type CreateAuthChallengeTriggerEvent =
  aws.CreateAuthChallengeTriggerEvent;

/**
 * The verify auth challenge response trigger (custom authentication flow).
 *
 * @example
 * ```ts
 * import type { VerifyAuthChallengeResponseTriggerEvent } from "@rtl/lambda/events";
 *
 * const answer = (event: VerifyAuthChallengeResponseTriggerEvent): string => event.request.challengeAnswer;
 * ```
 */
export type VerifyAuthChallengeResponseTriggerEvent =
  aws.VerifyAuthChallengeResponseTriggerEvent;
