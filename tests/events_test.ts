// The event types against AWS's documented sample events: each fixture is checked with `satisfies` when
// this file is type-checked, and the @ts-expect-error lines fail the check if the types stop biting.
import assert from "node:assert/strict";
import type * as aws from "npm:@types/aws-lambda@8.10.164";
import type {
  ALBEvent,
  APIGatewayProxyEventV2,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  KinesisStreamEvent,
  LambdaFunctionURLEvent,
  PreSignUpTriggerEvent,
  S3Event,
  ScheduledEvent,
  SNSEvent,
  SQSBatchResponse,
  SQSEvent,
} from "../src/events/mod.ts";
import { sqsEvent } from "./fixtures/events/sqs.ts";
import { sqsFifoEvent } from "./fixtures/events/sqs_fifo.ts";
import { snsEvent } from "./fixtures/events/sns.ts";
import { s3Event } from "./fixtures/events/s3.ts";
import { eventBridgeEvent } from "./fixtures/events/eventbridge.ts";
import { scheduledEvent } from "./fixtures/events/scheduled.ts";
import { dynamoDbEvent } from "./fixtures/events/dynamodb.ts";
import { kinesisEvent } from "./fixtures/events/kinesis.ts";
import { preSignUpEvent } from "./fixtures/events/cognito_pre_sign_up.ts";
import httpApiEvent from "./fixtures/http/http_api/cookies.json" with {
  type: "json",
};
import albEvent from "./fixtures/http/alb_multi_value/get_query.json" with {
  type: "json",
};
import functionUrlEvent from "./fixtures/http/function_url/get_query.json" with {
  type: "json",
};

// True only when A and B are the same type.
type _Same<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;

Deno.test("event types", async (t) => {
  await t.step(
    "the HTTP fixtures read as HTTP API, ALB and function URL events",
    () => {
      // @types/aws-lambda refuses a function URL's "authentication": null, which the source sends.
      const http: APIGatewayProxyEventV2 = httpApiEvent;
      const alb: ALBEvent = albEvent;
      const { authentication: _none, ...urlContext } =
        functionUrlEvent.requestContext;
      const url: LambdaFunctionURLEvent = {
        ...functionUrlEvent,
        requestContext: urlContext,
      };
      assert.equal(http.version, "2.0");
      assert.ok(alb.requestContext.elb.targetGroupArn);
      assert.match(url.requestContext.domainName, /\.lambda-url\./);
    },
  );

  await t.step("the SQS samples read as typed records", () => {
    const event: SQSEvent = sqsEvent;
    assert.deepEqual(event.Records.map((record) => record.messageId), [
      "059f36b4-87a3-44ab-83d2-661975830a7d",
      "2e1424d4-f796-459a-8184-9c92662be6da",
    ]);
    const fifo: SQSEvent = sqsFifoEvent;
    assert.equal(fifo.Records[0].attributes.MessageGroupId, "1");
    assert.equal(
      fifo.Records[0].attributes.SequenceNumber,
      "18849496460467696128",
    );
  });

  await t.step(
    "the SNS, S3, EventBridge and scheduled samples read as typed events",
    () => {
      const sns: SNSEvent = snsEvent;
      assert.equal(sns.Records[0].Sns.Message, "Hello from SNS!");
      const s3: S3Event = s3Event;
      assert.equal(s3.Records[0].s3.object.size, 1305107);
      const ec2: EventBridgeEvent<string, { state: string }> = eventBridgeEvent;
      assert.equal(ec2.detail.state, "running");
      const scheduled: ScheduledEvent = scheduledEvent;
      assert.equal(scheduled["detail-type"], "Scheduled Event");
    },
  );

  await t.step(
    "the stream samples carry the identifiers batch responses use",
    () => {
      const dynamodb: DynamoDBStreamEvent = dynamoDbEvent;
      assert.deepEqual(
        dynamodb.Records.map((record) => record.dynamodb?.SequenceNumber),
        ["111", "222"],
      );
      const kinesis: KinesisStreamEvent = kinesisEvent;
      assert.equal(
        atob(kinesis.Records[0].kinesis.data),
        "Hello, this is a test.",
      );
    },
  );

  await t.step(
    "the Cognito sample is a pre sign-up trigger a handler can answer",
    () => {
      const event: PreSignUpTriggerEvent = structuredClone(preSignUpEvent);
      event.response.autoConfirmUser = true;
      assert.equal(event.triggerSource, "PreSignUp_SignUp");
      assert.equal(preSignUpEvent.response.autoConfirmUser, false);
    },
  );

  await t.step("a mismatched field is a type error", () => {
    const record = sqsEvent.Records[0];
    // @ts-expect-error: an SQS body is a string
    const wrongBody: SQSEvent = { Records: [{ ...record, body: 42 }] };
    const wrongName: DynamoDBStreamEvent = {
      // @ts-expect-error: DynamoDB's eventName is INSERT, MODIFY or REMOVE
      Records: [{ eventName: "UPSERT" }],
    };
    // @ts-expect-error: a batch item failure needs its itemIdentifier
    const wrongResponse: SQSBatchResponse = { batchItemFailures: [{}] };
    assert.equal(wrongBody.Records[0].body, 42 as unknown);
    assert.equal(wrongName.Records[0].eventName, "UPSERT" as unknown);
    assert.equal(wrongResponse.batchItemFailures.length, 1);
  });

  await t.step(
    "EventBridgeEvent, written out, is the same type as @types/aws-lambda's",
    () => {
      const same: _Same<
        EventBridgeEvent<"X", { a: number }>,
        aws.EventBridgeEvent<"X", { a: number }>
      > = true;
      assert.equal(same, true);
    },
  );

  await t.step(
    "deno check rejects a fixture that does not match its type",
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "events_test_" });
      try {
        const events = new URL("../src/events/mod.ts", import.meta.url).href;
        const file = `${dir}/wrong.ts`;
        await Deno.writeTextFile(
          file,
          `import type { KinesisStreamEvent } from "${events}";\n` +
            `export const e = { Records: [{ kinesis: { data: 7 } }] } satisfies KinesisStreamEvent;\n`,
        );
        const config = new URL("../deno.json", import.meta.url).pathname;
        const output = await new Deno.Command(Deno.execPath(), {
          args: ["check", "--quiet", "--config", config, file],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stderr = new TextDecoder().decode(output.stderr);
        assert.notEqual(output.code, 0);
        assert.match(stderr, /TS2322|TS2739|TS2741/);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
});
