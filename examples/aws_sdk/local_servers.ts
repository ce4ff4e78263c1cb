/**
 * Local S3 (`s3rver`) and DynamoDB (`dynalite`) servers on 127.0.0.1, for
 * running the example and its tests without an AWS account. Run it with
 * `deno task example:aws_sdk:servers`; it prints the variables to give the
 * function and serves until stopped.
 *
 * @module
 */

import S3rver from "npm:s3rver@3.7.1";
import dynalite from "npm:dynalite@4.0.0";
import {
  CreateTableCommand,
  DynamoDBClient,
} from "npm:@aws-sdk/client-dynamodb@3.1169.0";

/** The two servers, closed together. */
export interface LocalServers extends AsyncDisposable {
  /** The variables that point the AWS SDK at the servers, with dummy credentials. */
  env: Record<string, string>;
  /** Stops both servers and removes the S3 folder. */
  close(): Promise<void>;
}

/** Options of {@linkcode startLocalServers}. */
export interface LocalServersOptions {
  /** The bucket to create; default `rtl-lambda-example`. */
  bucket?: string;
  /** The table to create, keyed by a string `id`; default `rtl-lambda-example`. */
  table?: string;
}

/** Starts both servers on free loopback ports with the bucket and the table made. */
export async function startLocalServers(
  options: LocalServersOptions = {},
): Promise<LocalServers> {
  const bucket = options.bucket ?? "rtl-lambda-example";
  const table = options.table ?? "rtl-lambda-example";
  const directory = await Deno.makeTempDir({ prefix: "s3rver-" });
  const s3 = new S3rver({
    port: 0,
    address: "127.0.0.1",
    directory,
    silent: true,
    allowMismatchedSignatures: true,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const s3Address = await s3.run();
  const dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((done) => dynamo.listen(0, "127.0.0.1", done));
  const dynamoPort = (dynamo.address() as { port: number }).port;
  const env = {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_SESSION_TOKEN: "local",
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3Address.port}`,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${dynamoPort}`,
    BUCKET: bucket,
    TABLE: table,
  };
  const client = new DynamoDBClient({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL_DYNAMODB,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await client.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  client.destroy();
  const close = async () => {
    await s3.close();
    await new Promise<void>((done) => dynamo.close(() => done()));
    await Deno.remove(directory, { recursive: true });
  };
  return { env, close, [Symbol.asyncDispose]: close };
}

if (import.meta.main) {
  const servers = await startLocalServers();
  const file = Deno.args[0] ?? "examples/aws_sdk/local.env";
  await Deno.writeTextFile(
    file,
    Object.entries(servers.env).map(([k, v]) => `${k}=${v}\n`).join(""),
  );
  console.log(`Local S3 and DynamoDB are up; their variables are in ${file}:`);
  for (const [key, value] of Object.entries(servers.env)) {
    console.log(`  ${key}=${value}`);
  }
  console.log("Stop with Ctrl-C.");
  const stop = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGINT", () => stop.resolve());
  await stop.promise;
  await servers.close();
}
