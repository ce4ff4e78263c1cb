// globalThis.awslambda as Node's runtime provides it: the InvokeStore keeps each invocation's values apart.
import assert from "node:assert/strict";
import { InvokeStore, PROTECTED_KEYS } from "../src/node/invoke_store.ts";
import { installAwsLambdaGlobal } from "../src/node/awslambda.ts";
import { permissionHint } from "../src/node/permission_hint.ts";
import { readConfiguration } from "../src/core/environment.ts";
import {
  EXECUTION_ENV,
  installExecutionEnv,
} from "../src/node/execution_env.ts";

Deno.test("InvokeStore", async (t) => {
  const store = new InvokeStore();

  await t.step(
    "one invocation at a time sees its ids without node:async_hooks",
    async () => {
      const sequential = new InvokeStore();
      const seen = await sequential.run(
        { [PROTECTED_KEYS.REQUEST_ID]: "solo" },
        async () => {
          await Promise.resolve();
          return sequential.getRequestId();
        },
      );
      assert.equal(seen, "solo");
      assert.equal(sequential.getRequestId(), "-");
    },
  );

  await t.step(
    "two overlapping invocations each see their own ids and keys",
    async () => {
      await store.useAsyncContext();
      const second = Promise.withResolvers<void>();
      const seen: string[] = [];
      const invocation = (id: string, wait?: Promise<void>) =>
        store.run({
          [PROTECTED_KEYS.REQUEST_ID]: id,
          [PROTECTED_KEYS.X_RAY_TRACE_ID]: `trace-${id}`,
        }, async () => {
          store.set("mine", id);
          if (wait) await wait;
          else second.resolve();
          seen.push(
            `${store.getRequestId()} ${store.getXRayTraceId()} ${
              store.get("mine")
            }`,
          );
        });
      await Promise.all([invocation("a", second.promise), invocation("b")]);
      assert.deepEqual(seen.sort(), ["a trace-a a", "b trace-b b"]);
    },
  );

  await t.step(
    "outside an invocation there is no context and the request id is -",
    () => {
      assert.equal(store.hasContext(), false);
      assert.equal(store.getRequestId(), "-");
    },
  );

  await t.step("a library cannot overwrite a protected key", () => {
    store.run({}, () => {
      assert.throws(() => store.set(PROTECTED_KEYS.REQUEST_ID, "x"), {
        name: "ProtectedKeyError",
      });
    });
  });
});

/** The configuration run() reads, under a Runtime API, with `extra` variables. */
function configured(extra: Record<string, string>) {
  return readConfiguration({
    AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
    ...extra,
  })
    .environment;
}

Deno.test("awslambda global", async (t) => {
  await t.step(
    "is left alone when AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA is 1",
    () => {
      const before = (globalThis as { awslambda?: unknown }).awslambda;
      installAwsLambdaGlobal({
        environment: configured({ AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA: "1" }),
      });
      assert.equal((globalThis as { awslambda?: unknown }).awslambda, before);
    },
  );

  await t.step(
    "HttpResponseStream.from writes the prelude then eight zero bytes",
    () => {
      const chunks: Uint8Array[] = [];
      let type = "";
      const aws = installAwsLambdaGlobal({ environment: configured({}) });
      aws.HttpResponseStream.from({
        write: (chunk) => chunks.push(chunk as Uint8Array),
        setContentType: (value) => (type = value),
      }, { statusCode: 201 });
      assert.equal(new TextDecoder().decode(chunks[0]), '{"statusCode":201}');
      assert.deepEqual(chunks[1], new Uint8Array(8));
      assert.equal(type, "application/vnd.awslambda.http-integration-response");
    },
  );
});

Deno.test("permission hints", async (t) => {
  await t.step("a DNS refusal names the host to allow", () => {
    assert.match(
      permissionHint("getaddrinfo EPERM api.example.com")!,
      /--allow-net=api\.example\.com/,
    );
  });

  await t.step("anything else gets no hint", () => {
    assert.equal(permissionHint("connect ECONNREFUSED 127.0.0.1:1"), undefined);
  });
});

Deno.test("AWS_EXECUTION_ENV", async (t) => {
  // The variables as run() read them, and where the one write goes.
  const env = (entries: Record<string, string>) => {
    const values = new Map(Object.entries(entries));
    return {
      values,
      environment: readConfiguration(entries).environment,
      set: (name: string, value: string) => void values.set(name, value),
    };
  };

  await t.step(
    "is set under a Runtime API when Lambda left it unset, as provided.al2023 does",
    () => {
      const given = env({ AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" });
      assert.equal(
        installExecutionEnv({ environment: given.environment, env: given }),
        EXECUTION_ENV,
      );
      assert.equal(given.values.get("AWS_EXECUTION_ENV"), "AWS_Lambda_deno");
    },
  );

  await t.step("keeps a value Lambda set", () => {
    const given = env({
      AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    });
    assert.equal(
      installExecutionEnv({ environment: given.environment, env: given }),
      undefined,
    );
    assert.equal(
      given.values.get("AWS_EXECUTION_ENV"),
      "AWS_Lambda_nodejs22.x",
    );
  });

  await t.step("is left unset outside Lambda (no Runtime API)", () => {
    const given = env({});
    assert.equal(
      installExecutionEnv({ environment: given.environment, env: given }),
      undefined,
    );
    assert.equal(given.values.has("AWS_EXECUTION_ENV"), false);
  });

  await t.step("is left alone when the function may not write it", () => {
    const environment = configured({});
    const refusing = {
      set: () => {
        throw new Deno.errors.NotCapable(
          'Requires env access to "AWS_EXECUTION_ENV"',
        );
      },
    };
    assert.equal(
      installExecutionEnv({ environment, env: refusing }),
      undefined,
    );
  });
});
