// The AWS SDK function on Node: both clients made at init, nothing sent.
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

const s3 = new S3Client({});
const dynamo = new DynamoDBClient({});

export const handler = async (_event, context) => ({
  s3: await s3.config.region(),
  dynamodb: await dynamo.config.region(),
  requestId: context.awsRequestId,
});
