// A function URL with AuthType AWS_IAM on the control plane: requests signed by AWS's own SigV4 signer
// reach a deployed shell function, with the caller in requestContext.authorizer; the rest are 403.
import assert from "node:assert/strict";
import {
  CreateFunctionUrlConfigCommand,
  type LambdaClient,
  UpdateFunctionUrlConfigCommand,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { SignatureV4 } from "npm:@smithy/signature-v4@5.7.5";
import { Sha256 } from "npm:@smithy/core@3.41.1/checksum";
import {
  buildQueryString,
  HttpRequest,
} from "npm:@smithy/core@3.41.1/protocols";
import {
  type ControlPlaneServer,
  type OutputSink,
  serveControlPlane,
} from "../local/mod.ts";
import {
  createActive,
  lambdaClient,
  startControlPlane,
} from "./_control_plane.ts";
import { shellZip } from "./_shell_function.ts";

// The URL's checks are the control plane's: a shell function that answers with its event is enough.
const zip = shellZip();
const KEY = "AKIDLOCALTEST";
const SECRET = "local-secret/with+chars";
/** The control plane's clock, and the date requests are signed at unless a step says otherwise. */
const CLOCK = Date.UTC(2026, 0, 15, 12, 0, 0);

interface Signing {
  method?: string;
  body?: string;
  contentType?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  signingDate?: Date;
  /** Whether the signer sends X-Amz-Content-Sha256 (the SDK's default). */
  applyChecksum?: boolean;
}

/** AWS's signer for service lambda in us-east-1. */
function signer(signing: Signing): SignatureV4 {
  return new SignatureV4({
    service: "lambda",
    region: "us-east-1",
    credentials: {
      accessKeyId: signing.accessKeyId ?? KEY,
      secretAccessKey: signing.secretAccessKey ?? SECRET,
    },
    sha256: Sha256,
    applyChecksum: signing.applyChecksum,
  });
}

/** The SDK's request for `url`, before signing. */
function unsigned(url: URL, signing: Signing): HttpRequest {
  return new HttpRequest({
    method: signing.method ?? "GET",
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: _query(url.searchParams),
    headers: {
      host: url.host,
      ...(signing.contentType === undefined
        ? {}
        : { "content-type": signing.contentType }),
    },
    body: signing.body,
  });
}

/** A query as the SDK holds it: a repeated name's values in a list. */
function _query(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    query[name] = values.length === 1 ? values[0] : values;
  }
  return query;
}

/** The headers AWS's signer gives a request for `url` (Authorization, X-Amz-Date, …), Host left to fetch. */
async function signedHeaders(
  url: string,
  signing: Signing = {},
): Promise<Record<string, string>> {
  const signed = await signer(signing).sign(unsigned(new URL(url), signing), {
    signingDate: signing.signingDate ?? new Date(CLOCK),
  }) as HttpRequest;
  const { host: _, ...headers } = signed.headers;
  return headers;
}

/** Sends `url` signed as `signing` says; `send` changes what goes out after signing. */
async function signedFetch(
  url: string,
  signing: Signing = {},
  send: { url?: string; body?: string } = {},
): Promise<Response> {
  return await fetch(send.url ?? url, {
    method: signing.method ?? "GET",
    headers: await signedHeaders(url, signing),
    body: send.body ?? signing.body,
  });
}

/** The event the shell function answers with (`{"event": …}`). */
async function echoedEvent(response: Response): Promise<{
  body?: string;
  rawPath: string;
  requestContext: {
    accountId: string;
    authorizer?: { iam: Record<string, unknown> };
  };
  headers: Record<string, string>;
}> {
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).event;
}

/** A 403 `{"Message":"Forbidden"}`, as Lambda answers an AWS_IAM URL it refuses. */
async function assertForbidden(response: Response): Promise<void> {
  assert.equal(response.status, 403);
  assert.deepEqual(await response.json(), { Message: "Forbidden" });
}

/** Deploys the shell function as `name` and gives it a function URL of `authType`; the URL. */
async function deployWithUrl(
  lambda: LambdaClient,
  FunctionName: string,
  AuthType: "NONE" | "AWS_IAM",
): Promise<string> {
  await createActive(lambda, FunctionName, zip);
  const config = await lambda.send(
    new CreateFunctionUrlConfigCommand({ FunctionName, AuthType }),
  );
  return config.FunctionUrl!;
}

Deno.test("a function URL with AuthType AWS_IAM lets in only requests signed with the emulator's credentials", async (t) => {
  const lines: string[] = [];
  const output: OutputSink = (line) => lines.push(line);
  await using server: ControlPlaneServer = await serveControlPlane({
    port: 0,
    output,
    credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
    now: () => CLOCK,
  });
  const lambda = lambdaClient(server.url);
  const FunctionName = "iam-echo";
  const url = await deployWithUrl(lambda, FunctionName, "NONE");
  const starts = () => lines.filter((line) => line.startsWith("START")).length;
  /** The control plane's refusal lines since `from`. */
  const refusals = (from: number) =>
    lines.slice(from).filter((line) => line.includes("(AWS_IAM) refused"));

  await t.step(
    "with AuthType NONE an unsigned request reaches the function, and a forged authorizer header does not",
    async () => {
      // A caller's own authorizer header is dropped, never believed.
      const event = await echoedEvent(
        await fetch(`${url}open`, {
          headers: { "x-rtl-lambda-authorizer": '{"iam":{"accessKey":"x"}}' },
        }),
      );
      assert.equal(event.rawPath, "/open");
      assert.equal(event.requestContext.authorizer, undefined);
      assert.equal(event.requestContext.accountId, "anonymous");
    },
  );

  await t.step(
    "UpdateFunctionUrlConfig from NONE to AWS_IAM takes effect on the next request",
    async () => {
      await lambda.send(
        new UpdateFunctionUrlConfigCommand({
          FunctionName,
          AuthType: "AWS_IAM",
        }),
      );
      await assertForbidden(await fetch(`${url}open`));
    },
  );

  await t.step(
    "an unsigned request is 403 Forbidden, the function is not invoked, and the log says it is not signed",
    async () => {
      const before = starts();
      const from = lines.length;
      await assertForbidden(await fetch(`${url}secret`));
      assert.equal(starts(), before);
      const said = refusals(from);
      assert.equal(said.length, 1);
      assert.match(
        said[0],
        /GET \/lambda-url\/iam-echo\/secret: the request is not signed/,
      );
    },
  );

  await t.step(
    "a signed GET reaches the function, its event's requestContext.authorizer.iam naming the access key and account",
    async () => {
      const event = await echoedEvent(
        await signedFetch(`${url}files/a%20b(1)?b=2&a=x%20y&a=w`),
      );
      assert.equal(event.rawPath, "/files/a%20b(1)");
      assert.deepEqual(event.requestContext.authorizer, {
        iam: {
          accessKey: KEY,
          accountId: "123456789012",
          callerId: null,
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: null,
          userId: null,
        },
      });
      assert.equal(event.requestContext.accountId, "123456789012");
      assert.equal(event.headers["x-rtl-lambda-authorizer"], undefined);
    },
  );

  await t.step(
    "a signed POST's body reaches the handler unchanged",
    async () => {
      const body = JSON.stringify({ text: "héllo, signed body ✓", n: [1, 2] });
      const event = await echoedEvent(
        await signedFetch(`${url}items`, {
          method: "POST",
          body,
          contentType: "application/json",
        }),
      );
      assert.equal(event.body, body);
      assert.equal(event.requestContext.authorizer?.iam.accessKey, KEY);
    },
  );

  /** `url` presigned by AWS's signer at `signedAt`, good for `expiresIn` seconds. */
  async function presigned(
    url: string,
    signedAt: number,
    expiresIn: number,
  ): Promise<string> {
    const target = new URL(url);
    const request = await signer({}).presign(unsigned(target, {}), {
      signingDate: new Date(signedAt),
      expiresIn,
    });
    return `${target.origin}${target.pathname}?${
      buildQueryString(request.query ?? {})
    }`;
  }

  await t.step("a presigned URL reaches the function", async () => {
    const event = await echoedEvent(
      await fetch(await presigned(`${url}shared`, CLOCK - 60_000, 300)),
    );
    assert.equal(event.rawPath, "/shared");
    assert.equal(event.requestContext.authorizer?.iam.accessKey, KEY);
  });

  await t.step("a presigned URL used after it expires is refused", async () => {
    const from = lines.length;
    await assertForbidden(
      await fetch(await presigned(`${url}shared`, CLOCK - 600_000, 300)),
    );
    assert.match(refusals(from)[0], /the presigned URL expired at/);
  });

  await t.step(
    "a request signed with the wrong secret is refused",
    async () => {
      const from = lines.length;
      await assertForbidden(
        await signedFetch(`${url}x`, { secretAccessKey: "not-the-secret" }),
      );
      assert.match(refusals(from)[0], /the signature does not match/);
    },
  );

  await t.step(
    "a request signed with an access key the emulator does not know is refused",
    async () => {
      const from = lines.length;
      await assertForbidden(
        await signedFetch(`${url}x`, { accessKeyId: "AKIDSOMEONEELSE" }),
      );
      assert.match(
        refusals(from)[0],
        /the access key AKIDSOMEONEELSE is not the emulator's/,
      );
    },
  );

  await t.step(
    "a request sent to another path than the one signed is refused",
    async () => {
      const from = lines.length;
      await assertForbidden(
        await signedFetch(`${url}users/1`, {}, { url: `${url}users/2` }),
      );
      assert.match(refusals(from)[0], /the signature does not match/);
    },
  );

  await t.step(
    "a request whose body is not the one signed is refused, with X-Amz-Content-Sha256 or without",
    async () => {
      const before = starts();
      const from = lines.length;
      const signing = {
        method: "POST",
        body: "amount=1",
        contentType: "text/plain",
      };
      await assertForbidden(
        await signedFetch(`${url}pay`, signing, { body: "amount=1000" }),
      );
      await assertForbidden(
        await signedFetch(`${url}pay`, { ...signing, applyChecksum: false }, {
          body: "amount=1000",
        }),
      );
      assert.equal(starts(), before);
      const said = refusals(from);
      assert.match(
        said[0],
        /the body's SHA-256 is not its X-Amz-Content-Sha256/,
      );
      assert.match(said[1], /the signature does not match/);
    },
  );

  await t.step(
    "a request signed 20 minutes before the control plane's clock is refused",
    async () => {
      const from = lines.length;
      await assertForbidden(
        await signedFetch(`${url}x`, {
          signingDate: new Date(CLOCK - 20 * 60_000),
        }),
      );
      assert.match(refusals(from)[0], /more than 15 minutes before/);
    },
  );

  await t.step("a malformed Authorization header is refused", async () => {
    const from = lines.length;
    await assertForbidden(
      await fetch(`${url}x`, {
        headers: { authorization: "AWS4-HMAC-SHA256 Credential=oops" },
      }),
    );
    assert.match(refusals(from)[0], /no well-formed Credential/);
  });
});

Deno.test("with no credentials configured an AWS_IAM URL refuses every request and says which variables to set", async () => {
  const lines: string[] = [];
  await using server = await serveControlPlane({
    port: 0,
    output: (line) => lines.push(line),
    now: () => CLOCK,
  });
  const url = await deployWithUrl(
    lambdaClient(server.url),
    "iam-unset",
    "AWS_IAM",
  );
  await assertForbidden(await signedFetch(`${url}x`));
  const said = lines.filter((line) => line.includes("(AWS_IAM) refused"));
  assert.equal(said.length, 1);
  assert.match(said[0], /set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
});

Deno.test("the emulator's command line checks AWS_IAM URLs against its own AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", async () => {
  await using plane = await startControlPlane([], {
    AWS_ACCESS_KEY_ID: KEY,
    AWS_SECRET_ACCESS_KEY: SECRET,
  });
  const url = await deployWithUrl(
    lambdaClient(plane.url),
    "iam-cli",
    "AWS_IAM",
  );
  const event = await echoedEvent(
    await signedFetch(`${url}hi`, { signingDate: new Date() }),
  );
  assert.equal(event.requestContext.authorizer?.iam.accessKey, KEY);
  // curl's own SigV4 signer, as a user would call the URL from a shell.
  const curl = await new Deno.Command("curl", {
    args: [
      "-s",
      "--aws-sigv4",
      "aws:amz:us-east-1:lambda",
      "--user",
      `${KEY}:${SECRET}`,
      "-H",
      "content-type: text/plain",
      "--data-binary",
      "from curl",
      `${url}shell`,
    ],
    stdout: "piped",
  }).output();
  assert.ok(curl.success);
  const answered = JSON.parse(new TextDecoder().decode(curl.stdout));
  assert.equal(answered.event.body, "from curl");
  await assertForbidden(await fetch(`${url}hi`));
  assert.match(
    plane.output(),
    /Function URL iam-cli \(AWS_IAM\) refused GET \/lambda-url\/iam-cli\/hi: the request is not signed/,
  );
});
