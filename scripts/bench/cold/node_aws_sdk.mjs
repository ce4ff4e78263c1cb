// The AWS SDK example on Node, line for line: puts the event into S3 and DynamoDB and reads both back.
import {
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";

const s3 = new S3Client({ forcePathStyle: true });
const dynamodb = new DynamoDBClient({});
const bucket = process.env.BUCKET ?? "rtl-lambda-example";
const table = process.env.TABLE ?? "rtl-lambda-example";

export const handler = async (event, context) => {
  const key = context.awsRequestId;
  const body = JSON.stringify(event);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
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
    object: await got.Body.transformToString(),
    item: item.Item?.value?.S,
    requestId: key,
  };
};
