// The AWS SDK's Lambda client against the emulator: LogType Tail, InvokeWithResponseStream, names given as ARNs.
import assert from "node:assert/strict";
import {
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  LambdaClient,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { emulate, fixture } from "./_emulator.ts";
import { gate } from "./_gate.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function client(url: string): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
}

Deno.test("the Lambda client: Invoke with a log tail, by name and by ARN", async (t) => {
  await using emulator = await emulate(fixture("fixtures/sdk_function.ts"));
  const lambda = client(emulator.url);
  try {
    await t.step(
      "LogType Tail returns the invocation's lines, START to REPORT",
      async () => {
        const answer = await lambda.send(
          new InvokeCommand({
            FunctionName: "function",
            LogType: "Tail",
            Payload: encoder.encode(JSON.stringify({ name: "Ada" })),
          }),
        );
        assert.deepEqual(JSON.parse(decoder.decode(answer.Payload)), {
          hello: "Ada",
        });
        const log = atob(answer.LogResult ?? "");
        const id = answer.$metadata.requestId;
        assert.match(
          log,
          new RegExp(`^START RequestId: ${id} Version: \\$LATEST\n`),
        );
        assert.match(log, /greeting Ada/);
        assert.match(log, new RegExp(`\nEND RequestId: ${id}\n`));
        assert.match(log, new RegExp(`\nREPORT RequestId: ${id}\t.*\n$`));
      },
    );

    await t.step("without LogType there is no log result", async () => {
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: "function",
          Payload: encoder.encode("{}"),
        }),
      );
      assert.equal(answer.LogResult, undefined);
    });

    for (
      const name of [
        "function:$LATEST",
        "123456789012:function:function",
        "arn:aws:lambda:us-east-1:123456789012:function:function",
        "arn:aws:lambda:us-east-1:123456789012:function:function:$LATEST",
      ]
    ) {
      await t.step(`the function is found as ${name}`, async () => {
        const answer = await lambda.send(
          new InvokeCommand({
            FunctionName: name,
            Payload: encoder.encode(JSON.stringify({ name: "Bo" })),
          }),
        );
        assert.equal(answer.StatusCode, 200);
        assert.deepEqual(JSON.parse(decoder.decode(answer.Payload)), {
          hello: "Bo",
        });
      });
    }

    await t.step("an ARN of another function is not found", async () => {
      await assert.rejects(
        lambda.send(
          new InvokeCommand({
            FunctionName:
              "arn:aws:lambda:us-east-1:123456789012:function:other",
          }),
        ),
        { name: "ResourceNotFoundException" },
      );
    });

    await t.step(
      "a buffered function through InvokeWithResponseStream: one chunk, then the end",
      async () => {
        const answer = await lambda.send(
          new InvokeWithResponseStreamCommand({
            FunctionName: "function",
            Payload: encoder.encode(JSON.stringify({ name: "Cy" })),
          }),
        );
        const chunks: string[] = [];
        let complete: unknown;
        for await (const event of answer.EventStream!) {
          if (event.PayloadChunk) {
            chunks.push(decoder.decode(event.PayloadChunk.Payload));
          }
          if (event.InvokeComplete) complete = event.InvokeComplete;
        }
        assert.deepEqual(chunks, ['{"hello":"Cy"}']);
        assert.deepEqual(complete, {});
      },
    );

    await t.step(
      "a failure through InvokeWithResponseStream is InvokeComplete's ErrorCode, with the tail",
      async () => {
        const answer = await lambda.send(
          new InvokeWithResponseStreamCommand({
            FunctionName: "function",
            LogType: "Tail",
            Payload: encoder.encode(JSON.stringify({ name: "Di", fail: true })),
          }),
        );
        const events = [];
        for await (const event of answer.EventStream!) events.push(event);
        assert.equal(events.length, 1);
        const complete = events[0].InvokeComplete!;
        assert.equal(complete.ErrorCode, "RangeError");
        assert.equal(complete.ErrorDetails, "asked to fail");
        assert.match(atob(complete.LogResult ?? ""), /greeting Di/);
      },
    );
  } finally {
    lambda.destroy();
  }
});

Deno.test("the Lambda client: InvokeWithResponseStream reads a streaming function's chunks as they come", async (t) => {
  await using emulator = await emulate(
    fixture("fixtures/streaming_function.ts"),
  );
  const lambda = client(emulator.url);
  await using release = gate();
  try {
    await t.step(
      "the first chunk arrives before the second is released",
      async () => {
        const answer = await lambda.send(
          new InvokeWithResponseStreamCommand({
            FunctionName:
              "arn:aws:lambda:us-east-1:123456789012:function:function",
            Qualifier: "$LATEST",
            Payload: encoder.encode(JSON.stringify({
              mode: "release",
              release: release.url,
            })),
          }),
        );
        assert.equal(answer.ExecutedVersion, "$LATEST");
        const seen: string[] = [];
        let complete: unknown;
        for await (const event of answer.EventStream!) {
          if (event.PayloadChunk) {
            seen.push(decoder.decode(event.PayloadChunk.Payload));
            if (seen.length === 1) {
              assert.deepEqual(seen, ["first;"]);
              release.open();
            }
          }
          if (event.InvokeComplete) complete = event.InvokeComplete;
        }
        assert.equal(seen.join(""), "first;second;");
        assert.deepEqual(complete, {});
      },
    );

    await t.step(
      "an error midway ends the stream with InvokeComplete's ErrorCode",
      async () => {
        const answer = await lambda.send(
          new InvokeWithResponseStreamCommand({
            FunctionName: "function",
            Payload: encoder.encode(JSON.stringify({ mode: "mid-error" })),
          }),
        );
        const seen: string[] = [];
        let complete: { ErrorCode?: string; ErrorDetails?: string } | undefined;
        for await (const event of answer.EventStream!) {
          if (event.PayloadChunk) {
            seen.push(decoder.decode(event.PayloadChunk.Payload));
          }
          if (event.InvokeComplete) complete = event.InvokeComplete;
        }
        assert.equal(seen.join(""), "partial;");
        assert.equal(complete?.ErrorCode, "Function.ResponseStreamingError");
        assert.match(
          complete?.ErrorDetails ?? "",
          /broke after the first chunk/,
        );
      },
    );
  } finally {
    lambda.destroy();
  }
});
