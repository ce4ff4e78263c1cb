// `deno task deploy --durable-config`: DurableConfig checked against Lambda's limits, shown by --dry-run,
// sent on CreateFunction (seen by a recording proxy in front of the local control plane), refused for a
// function created without it (AWS makes a function durable only at create), and the role given the managed
// policy AWS documents (seen by a loopback server playing IAM's AttachRolePolicy).
import assert from "node:assert/strict";
import { IAMClient } from "npm:@aws-sdk/client-iam@3.1169.0";
import { echoFixture, ROLE, startControlPlane } from "./_control_plane.ts";
import { denoTask } from "./_task.ts";
import { parseDeployArgs } from "../scripts/deploy/options.ts";
import { DeployError } from "../scripts/deploy/errors.ts";
import {
  attachDurablePolicy,
  DURABLE_EXECUTION_POLICY,
} from "../scripts/deploy/durable.ts";

const { zipPath } = await echoFixture("durable-deploy-test-");
const credentials = {
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_REGION: "us-east-1",
};

function parse(durableConfig: string) {
  return parseDeployArgs(
    ["--name", "f", "--zip", zipPath, "--durable-config", durableConfig],
    Deno.readTextFile,
    () => Promise.resolve(true),
  );
}

Deno.test("--durable-config takes the AWS CLI's shorthand or JSON, within Lambda's limits", async (t) => {
  await t.step("shorthand and JSON", async () => {
    for (
      const text of [
        "ExecutionTimeout=3600,RetentionPeriodInDays=30",
        '{"ExecutionTimeout":3600,"RetentionPeriodInDays":30}',
      ]
    ) {
      const options = await parse(text);
      assert.notEqual(options, "help");
      assert.deepEqual(options !== "help" && options.durableConfig, {
        ExecutionTimeout: 3600,
        RetentionPeriodInDays: 30,
      });
    }
  });
  const refused: [string, RegExp][] = [
    [
      "ExecutionTimeout=0",
      /ExecutionTimeout must be a whole number from 1 to 31622400, got "0"/,
    ],
    ["ExecutionTimeout=31622401", /from 1 to 31622400/],
    ["ExecutionTimeout=1.5", /whole number/],
    [
      "RetentionPeriodInDays=91",
      /RetentionPeriodInDays must be a whole number from 1 to 90, got "91"/,
    ],
    ["ExecutionTimeout=", /got ""/],
    ["Timeout=60", /has no key "Timeout"/],
    ["ExecutionTimeout", /takes KEY=VALUE pairs/],
    ["{oops", /not valid JSON/],
    ["", /is empty/],
  ];
  for (const [text, message] of refused) {
    await t.step(`refuses "${text}" with the fix`, async () => {
      await assert.rejects(() => parse(text), (error: unknown) => {
        assert.ok(error instanceof DeployError);
        assert.match(error.message, message);
        assert.match(
          error.hint,
          /--durable-config ExecutionTimeout=3600,RetentionPeriodInDays=30/,
        );
        return true;
      });
    });
  }
});

Deno.test("deno task deploy --durable-config --dry-run shows the DurableConfig and the role's policy, and calls nothing", async () => {
  const run = await denoTask("deploy", [
    "--name",
    "orders",
    "--zip",
    zipPath,
    "--role",
    "arn:aws:iam::123456789012:role/service-role/orders-role",
    "--durable-config",
    "ExecutionTimeout=86400,RetentionPeriodInDays=7",
    "--dry-run",
  ], credentials);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Plan \(dry run, nothing is called\)/);
  assert.match(
    run.stderr,
    /create the function \(runtime provided\.al2023, handler bootstrap, role \S+, durable ExecutionTimeout=86400,RetentionPeriodInDays=7\)/,
  );
  assert.match(
    run.stderr,
    /attach arn:aws:iam::aws:policy\/service-role\/AWSLambdaBasicDurableExecutionRolePolicy to the role orders-role/,
  );
  assert.match(run.stderr, /refuse an existing function that is not durable/);
});

Deno.test("a bad --durable-config stops deno task deploy before any call, naming the fix", async () => {
  const run = await denoTask("deploy", [
    "--name",
    "orders",
    "--zip",
    zipPath,
    "--durable-config",
    "RetentionPeriodInDays=365",
  ], credentials);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /error: --durable-config RetentionPeriodInDays must be a whole number from 1 to 90, got "365"/,
  );
  assert.match(run.stderr, /what to do: Write it as the AWS CLI does/);
  assert.doesNotMatch(run.stderr, /GetFunction|CreateFunction/);
});

/** A loopback proxy in front of `target` that records each request's operation and JSON body (the zip dropped). */
function recordingProxy(target: string) {
  const seen: {
    method: string;
    path: string;
    body: Record<string, unknown> | undefined;
  }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      const bytes = new Uint8Array(await request.arrayBuffer());
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(new TextDecoder().decode(bytes));
        if (body && typeof body.Code === "object") body.Code = "(zip)";
        delete body?.ZipFile;
      } catch {
        body = undefined;
      }
      seen.push({ method: request.method, path: url.pathname, body });
      const headers = new Headers(request.headers);
      headers.delete("host");
      return await fetch(`${target}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body: bytes.byteLength ? bytes : undefined,
      });
    },
  );
  return {
    seen,
    url: `http://127.0.0.1:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("deno task deploy --durable-config against the local control plane", async (t) => {
  await using plane = await startControlPlane();
  await using proxy = recordingProxy(plane.url);
  const deploy = (name: string, more: string[] = []) =>
    denoTask("deploy", [
      "--endpoint-url",
      proxy.url,
      "--name",
      name,
      "--zip",
      zipPath,
      "--role",
      ROLE,
      ...more,
    ], credentials);

  await t.step(
    "CreateFunction carries the DurableConfig, and no IAM call is made",
    async () => {
      const run = await deploy("orders", [
        "--durable-config",
        "ExecutionTimeout=3600,RetentionPeriodInDays=30",
      ]);
      assert.equal(run.code, 0, run.stderr);
      const create = proxy.seen.find((r) =>
        r.method === "POST" && r.path === "/2015-03-31/functions"
      );
      assert.deepEqual(create?.body?.DurableConfig, {
        ExecutionTimeout: 3600,
        RetentionPeriodInDays: 30,
      });
      assert.match(run.stderr, /leave the role local as it is/);
      assert.ok(
        !proxy.seen.some((r) =>
          r.body === undefined && r.method === "POST" && r.path === "/"
        ),
      );
    },
  );

  await t.step(
    "a function created without it is refused, and its code is left as it was",
    async () => {
      const first = await deploy("plain");
      assert.equal(first.code, 0, first.stderr);
      proxy.seen.length = 0;
      const run = await deploy("plain", [
        "--durable-config",
        "ExecutionTimeout=60",
      ]);
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /error: plain exists and is not durable: AWS makes a function durable only when it is created/,
      );
      assert.match(
        run.stderr,
        /what to do: Deploy under a new --name, or delete plain/,
      );
      assert.deepEqual(proxy.seen.map((r) => `${r.method} ${r.path}`), [
        "GET /2015-03-31/functions/plain",
      ]);
    },
  );
});

Deno.test({
  name:
    "a durable function's DurableConfig is read back with GetFunctionConfiguration, and an update changes it",
  fn: async () => {
    await using plane = await startControlPlane();
    await using proxy = recordingProxy(plane.url);
    const deploy = (durableConfig: string) =>
      denoTask("deploy", [
        "--endpoint-url",
        proxy.url,
        "--name",
        "orders",
        "--zip",
        zipPath,
        "--role",
        ROLE,
        "--durable-config",
        durableConfig,
      ], credentials);
    const configuration = async () =>
      await (await fetch(
        `${plane.url}/2015-03-31/functions/orders/configuration`,
      )).json();
    const created = await deploy(
      "ExecutionTimeout=3600,RetentionPeriodInDays=30",
    );
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual((await configuration()).DurableConfig, {
      ExecutionTimeout: 3600,
      RetentionPeriodInDays: 30,
    });
    const updated = await deploy(
      "ExecutionTimeout=7200,RetentionPeriodInDays=7",
    );
    assert.equal(updated.code, 0, updated.stderr);
    const update = proxy.seen.find((r) =>
      r.method === "PUT" && r.path.endsWith("/configuration")
    );
    assert.deepEqual(update?.body?.DurableConfig, {
      ExecutionTimeout: 7200,
      RetentionPeriodInDays: 7,
    });
    assert.deepEqual((await configuration()).DurableConfig, {
      ExecutionTimeout: 7200,
      RetentionPeriodInDays: 7,
    });
  },
});

/** A loopback server playing IAM's query API: records each form, answers AttachRolePolicy with `status`. */
function iamServer(status: 200 | 403) {
  const forms: Record<string, string>[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      forms.push(Object.fromEntries(new URLSearchParams(await request.text())));
      const body = status === 200
        ? "<AttachRolePolicyResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AttachRolePolicyResponse>"
        : "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error><RequestId>r</RequestId></ErrorResponse>";
      return new Response(body, {
        status,
        headers: { "content-type": "text/xml" },
      });
    },
  );
  const iam = new IAMClient({
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  return {
    forms,
    iam,
    async [Symbol.asyncDispose]() {
      iam.destroy();
      await server.shutdown();
    },
  };
}

Deno.test("the role gets AWSLambdaBasicDurableExecutionRolePolicy; credentials that may not attach it get a warning", async (t) => {
  await t.step(
    "AttachRolePolicy names the role (its path dropped) and the managed policy",
    async () => {
      await using server = iamServer(200);
      const warning = await attachDurablePolicy(
        server.iam,
        "arn:aws:iam::123456789012:role/service-role/orders-role",
      );
      assert.equal(warning, undefined);
      assert.equal(server.forms.length, 1);
      assert.equal(server.forms[0].Action, "AttachRolePolicy");
      assert.equal(server.forms[0].RoleName, "orders-role");
      assert.equal(server.forms[0].PolicyArn, DURABLE_EXECUTION_POLICY);
    },
  );
  await t.step(
    "AccessDenied leaves the role as it is and says which permissions it needs",
    async () => {
      await using server = iamServer(403);
      const warning = await attachDurablePolicy(
        server.iam,
        "arn:aws:iam::123456789012:role/orders-role",
      );
      assert.match(
        warning ?? "",
        /lambda:CheckpointDurableExecution and lambda:GetDurableExecutionState/,
      );
    },
  );
});
