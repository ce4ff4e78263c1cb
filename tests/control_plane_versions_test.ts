// Published versions and aliases on the control plane, through the AWS SDK's Lambda client: each
// version runs the code and configuration it was published with, in a process of its own.
import assert from "node:assert/strict";
import {
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  type LambdaClient,
  ListAliasesCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import {
  createActive,
  lambdaClient,
  startControlPlane,
  WAITING,
} from "./_control_plane.ts";
import { shellZip } from "./_shell_function.ts";

// Versions are the control plane's: two shell functions that answer "ECHO: …" and "TWO: …" are enough.
const one = shellZip("ECHO");
const two = shellZip("TWO");
const decoder = new TextDecoder();
const FunctionName = "versions";

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/** The shell function's answer as the echo example words it: `<tag>: <event>`. */
function _message(answer: { tag: string; event: unknown }): string {
  return `${answer.tag}: ${answer.event}`;
}

/** What the function answers for `text` under `qualifier`, and the version that ran. */
async function ask(
  lambda: LambdaClient,
  qualifier: string | undefined,
  text: string,
): Promise<{ message: string; version: string | undefined }> {
  const result = await lambda.send(
    new InvokeCommand({
      FunctionName,
      Qualifier: qualifier,
      Payload: JSON.stringify(text),
    }),
  );
  return {
    message: _message(JSON.parse(decoder.decode(result.Payload))),
    version: result.ExecutedVersion,
  };
}

Deno.test("published versions and aliases run their own code", async (t) => {
  await using plane = await startControlPlane();
  const lambda = lambdaClient(plane.url);
  const shaOne = await sha256(one);
  const shaTwo = await sha256(two);
  try {
    await createActive(lambda, FunctionName, one);

    await t.step(
      "PublishVersion numbers from 1, and again with nothing changed answers the same version",
      async () => {
        const first = await lambda.send(
          new PublishVersionCommand({ FunctionName }),
        );
        assert.equal(first.Version, "1");
        assert.equal(first.CodeSha256, shaOne);
        const again = await lambda.send(
          new PublishVersionCommand({ FunctionName }),
        );
        assert.equal(again.Version, "1");
      },
    );

    await t.step(
      "UpdateFunctionCode changes $LATEST only: version 1 still answers with its own code",
      async () => {
        await lambda.send(
          new UpdateFunctionCodeCommand({ FunctionName, ZipFile: two }),
        );
        await waitUntilFunctionUpdatedV2({ client: lambda, ...WAITING }, {
          FunctionName,
        });
        assert.deepEqual(await ask(lambda, undefined, "a"), {
          message: "TWO: a",
          version: "$LATEST",
        });
        assert.deepEqual(await ask(lambda, "1", "b"), {
          message: "ECHO: b",
          version: "1",
        });
      },
    );

    await t.step(
      "PublishVersion with a CodeSha256 that is not $LATEST's is refused",
      async () => {
        await assert.rejects(
          lambda.send(
            new PublishVersionCommand({ FunctionName, CodeSha256: shaOne }),
          ),
          { name: "InvalidParameterValueException", message: /CodeSha256/ },
        );
      },
    );

    await t.step(
      "version 2 is the new code; $LATEST, 1 and 2 each answer from their own",
      async () => {
        const published = await lambda.send(
          new PublishVersionCommand({ FunctionName, CodeSha256: shaTwo }),
        );
        assert.equal(published.Version, "2");
        assert.equal(
          published.FunctionArn,
          `arn:aws:lambda:us-east-1:123456789012:function:${FunctionName}:2`,
        );
        assert.deepEqual(await ask(lambda, "2", "c"), {
          message: "TWO: c",
          version: "2",
        });
        assert.deepEqual(await ask(lambda, "1", "d"), {
          message: "ECHO: d",
          version: "1",
        });
        assert.deepEqual(await ask(lambda, "$LATEST", "e"), {
          message: "TWO: e",
          version: "$LATEST",
        });
      },
    );

    await t.step(
      "InvokeWithResponseStream of a version streams that version's answer",
      async () => {
        const answer = await lambda.send(
          new InvokeWithResponseStreamCommand({
            FunctionName,
            Qualifier: "1",
            Payload: JSON.stringify("streamed"),
          }),
        );
        assert.equal(answer.ExecutedVersion, "1");
        let text = "";
        for await (const event of answer.EventStream!) {
          if (event.PayloadChunk?.Payload) {
            text += decoder.decode(event.PayloadChunk.Payload);
          }
          assert.equal(event.InvokeComplete?.ErrorCode, undefined);
        }
        assert.equal(_message(JSON.parse(text)), "ECHO: streamed");
      },
    );

    await t.step(
      "GetFunctionConfiguration with a Qualifier answers that version's configuration",
      async () => {
        await lambda.send(
          new UpdateFunctionConfigurationCommand({ FunctionName, Timeout: 20 }),
        );
        await waitUntilFunctionUpdatedV2({ client: lambda, ...WAITING }, {
          FunctionName,
        });
        const latest = await lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName }),
        );
        assert.equal(latest.Version, "$LATEST");
        assert.equal(latest.Timeout, 20);
        const first = await lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName, Qualifier: "1" }),
        );
        assert.equal(first.Version, "1");
        assert.equal(first.CodeSha256, shaOne);
        assert.equal(first.Timeout, 10);
        const second = await lambda.send(
          new GetFunctionCommand({ FunctionName: `${FunctionName}:2` }),
        );
        assert.equal(second.Configuration?.Version, "2");
        assert.equal(second.Configuration?.CodeSha256, shaTwo);
      },
    );

    await t.step(
      "an alias routes to its version, and moving it changes the answer",
      async () => {
        const created = await lambda.send(
          new CreateAliasCommand({
            FunctionName,
            Name: "live",
            FunctionVersion: "1",
          }),
        );
        assert.equal(
          created.AliasArn,
          `arn:aws:lambda:us-east-1:123456789012:function:${FunctionName}:live`,
        );
        assert.deepEqual(await ask(lambda, "live", "f"), {
          message: "ECHO: f",
          version: "1",
        });
        await lambda.send(
          new UpdateAliasCommand({
            FunctionName,
            Name: "live",
            FunctionVersion: "2",
          }),
        );
        assert.deepEqual(await ask(lambda, "live", "g"), {
          message: "TWO: g",
          version: "2",
        });
        const got = await lambda.send(
          new GetAliasCommand({ FunctionName, Name: "live" }),
        );
        assert.equal(got.FunctionVersion, "2");
        const configuration = await lambda.send(
          new GetFunctionConfigurationCommand({
            FunctionName,
            Qualifier: "live",
          }),
        );
        assert.equal(configuration.Version, "2");
        const listed = await lambda.send(
          new ListAliasesCommand({ FunctionName }),
        );
        assert.deepEqual(listed.Aliases?.map((alias) => alias.Name), ["live"]);
      },
    );

    await t.step(
      "an alias with weighted routing is refused with what to do",
      async () => {
        await assert.rejects(
          lambda.send(
            new CreateAliasCommand({
              FunctionName,
              Name: "canary",
              FunctionVersion: "1",
              RoutingConfig: { AdditionalVersionWeights: { "2": 0.1 } },
            }),
          ),
          {
            name: "InvalidParameterValueException",
            message: /leave out RoutingConfig/,
          },
        );
      },
    );

    await t.step(
      "a function URL with an alias's Qualifier reaches that alias's version",
      async () => {
        const url = await lambda.send(
          new CreateFunctionUrlConfigCommand({
            FunctionName,
            Qualifier: "live",
            AuthType: "NONE",
          }),
        );
        assert.equal(
          url.FunctionUrl,
          `${plane.url}/lambda-url/${FunctionName}:live/`,
        );
        const response = await fetch(`${url.FunctionUrl}users/1`);
        assert.equal(response.status, 200);
        const answer = await response.json();
        assert.equal(answer.tag, "TWO");
        assert.equal(answer.event.rawPath, "/users/1");
        await assert.rejects(
          lambda.send(
            new CreateFunctionUrlConfigCommand({
              FunctionName,
              Qualifier: "1",
              AuthType: "NONE",
            }),
          ),
          { name: "ResourceNotFoundException", message: /is an alias/ },
        );
      },
    );

    await t.step(
      "DeleteFunction refuses a version an alias points to, $LATEST, and an alias",
      async () => {
        await assert.rejects(
          lambda.send(
            new DeleteFunctionCommand({ FunctionName, Qualifier: "2" }),
          ),
          {
            name: "ResourceConflictException",
            message:
              "Unable to delete version because the following aliases reference it: [live]",
          },
        );
        await assert.rejects(
          lambda.send(
            new DeleteFunctionCommand({ FunctionName, Qualifier: "$LATEST" }),
          ),
          { name: "InvalidParameterValueException" },
        );
        await assert.rejects(
          lambda.send(
            new DeleteFunctionCommand({ FunctionName, Qualifier: "live" }),
          ),
          { name: "InvalidParameterValueException", message: /DeleteAlias/ },
        );
      },
    );

    await t.step(
      "DeleteFunction with a Qualifier deletes that version alone, and its number is not given again",
      async () => {
        await lambda.send(
          new DeleteFunctionCommand({ FunctionName, Qualifier: "1" }),
        );
        await assert.rejects(ask(lambda, "1", "h"), {
          name: "ResourceNotFoundException",
        });
        assert.equal((await ask(lambda, "2", "i")).message, "TWO: i");
        assert.equal((await ask(lambda, undefined, "j")).message, "TWO: j");
        // The timeout changed since version 2: something to publish.
        const published = await lambda.send(
          new PublishVersionCommand({ FunctionName }),
        );
        assert.equal(published.Version, "3");
      },
    );

    await t.step(
      "DeleteAlias, then the version it pointed to can be deleted",
      async () => {
        await lambda.send(
          new DeleteAliasCommand({ FunctionName, Name: "live" }),
        );
        await assert.rejects(
          lambda.send(new GetAliasCommand({ FunctionName, Name: "live" })),
          { name: "ResourceNotFoundException" },
        );
        await lambda.send(
          new DeleteFunctionCommand({ FunctionName, Qualifier: "2" }),
        );
        await assert.rejects(ask(lambda, "2", "k"), {
          name: "ResourceNotFoundException",
        });
      },
    );

    await t.step(
      "DeleteFunction removes every version's code",
      async () => {
        const third = await lambda.send(
          new GetFunctionCommand({ FunctionName, Qualifier: "3" }),
        );
        assert.equal((await ask(lambda, "3", "l")).message, "TWO: l");
        const dir = new URL(third.Code!.Location!).pathname;
        await Deno.stat(dir);
        await lambda.send(new DeleteFunctionCommand({ FunctionName }));
        await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
        await assert.rejects(
          lambda.send(new GetFunctionCommand({ FunctionName })),
          { name: "ResourceNotFoundException" },
        );
      },
    );
  } finally {
    lambda.destroy();
  }
});
