/**
 * An AWS SDK v3 function: puts the event into an S3 object and a DynamoDB
 * item, reads both back and answers with what it read. Bucket and table come
 * from `BUCKET` and `TABLE`; the SDK finds region, credentials and any
 * `AWS_ENDPOINT_URL` in the environment as Lambda gives them.
 *
 * Built with the default command and no permission flag:
 * `deno task build:x64 examples/aws_sdk/main.ts --portable`.
 *
 * @module
 */

import {
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from "npm:@aws-sdk/client-s3@3.1175.0";
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "npm:@aws-sdk/client-dynamodb@3.1169.0";
import { run } from "../../mod.ts";

/** What the function answers. */
export interface Stored {
  /** The object's body as read back from S3. */
  object: string;
  /** The item's `value` attribute as read back from DynamoDB. */
  item: string | undefined;
  /** The invocation's request id, also the object key and item id. */
  requestId: string;
}

// Created once at init, reused by every invocation.
const s3 = new S3Client({ forcePathStyle: true });
const dynamodb = new DynamoDBClient({});

if (import.meta.main) {
  const bucket = Deno.env.get("BUCKET") ?? "rtl-lambda-example";
  const table = Deno.env.get("TABLE") ?? "rtl-lambda-example";
  run(async (event: unknown, context): Promise<Stored> => {
    const key = context.awsRequestId;
    const body = JSON.stringify(event);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }),
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
    );
    await dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: { id: { S: key }, value: { S: body } },
      }),
    );
    const item = await dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { id: { S: key } } }),
    );
    return {
      object: await got.Body!.transformToString(),
      item: item.Item?.value?.S,
      requestId: key,
    };
  });
}
