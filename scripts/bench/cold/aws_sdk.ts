/**
 * The cold-start suite's AWS SDK function until `examples/aws_sdk` lands:
 * creates an S3 and a DynamoDB client at init (what real functions do) and
 * answers with their regions, sending nothing over the network.
 *
 * @module
 */

import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { run } from "../../../mod.ts";

const s3 = new S3Client({});
const dynamo = new DynamoDBClient({});

if (import.meta.main) {
  run(async (_event: unknown, context) => ({
    s3: await s3.config.region(),
    dynamodb: await dynamo.config.region(),
    requestId: context.awsRequestId,
  }));
}
