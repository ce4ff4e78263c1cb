// OpenTelemetry's permissions: the OTLP endpoint is granted by default when OTEL_DENO=true and never otherwise, by the emulator's expansion and by the built bootstrap's shell.
import assert from "node:assert/strict";
import { expandGrants, permissionFlags } from "../local/sandbox.ts";
import { bootstrapScript } from "../scripts/build/portable.ts";

const API = { AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" };

function netGrant(flags: readonly string[]): string {
  return flags.find((flag) => flag.startsWith("--allow-net="))!;
}

/** Runs the built bootstrap with `env` against a stand-in `deno` that prints its arguments and OTel variables. */
async function bootstrapRun(
  env: Record<string, string>,
): Promise<{ args: string[]; env: Record<string, string> }> {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${root}/bootstrap`,
      bootstrapScript(permissionFlags(), { heap: false }),
    );
    await Deno.writeTextFile(
      `${root}/deno`,
      '#!/bin/sh\nfor a in "$@"; do echo "ARG $a"; done\nenv | grep "^OTEL_\\|^RTL_LAMBDA_OTEL" | sed "s/^/ENV /"\n',
    );
    await Deno.chmod(`${root}/bootstrap`, 0o755);
    await Deno.chmod(`${root}/deno`, 0o755);
    const output = await new Deno.Command(`${root}/bootstrap`, {
      env: { PATH: "/usr/bin:/bin", DENO_DIR: `${root}/cache`, ...env },
      clearEnv: true,
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.equal(output.code, 0);
    const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
    return {
      args: lines.filter((l) => l.startsWith("ARG ")).map((l) => l.slice(4)),
      env: Object.fromEntries(
        lines.filter((l) => l.startsWith("ENV ")).map((l) => {
          const [name, ...rest] = l.slice(4).split("=");
          return [name, rest.join("=")];
        }),
      ),
    };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("the OTLP endpoint's grant", async (t) => {
  await t.step("expanded by the emulator: the default endpoint when on", () => {
    const flags = expandGrants(permissionFlags(), {
      ...API,
      OTEL_DENO: "true",
    });
    assert.equal(
      netGrant(flags),
      "--allow-net=127.0.0.1:9001,localhost:4318,*.amazonaws.com",
    );
  });

  await t.step("expanded by the emulator: the endpoint it names", () => {
    const flags = expandGrants(permissionFlags(), {
      ...API,
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.example.com/base",
    });
    assert.match(netGrant(flags), /,otlp\.example\.com:443,/);
  });

  await t.step(
    "nothing when off, even with the variable set from outside",
    () => {
      const flags = expandGrants(permissionFlags(), {
        ...API,
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
        RTL_LAMBDA_OTEL_ENDPOINT: "evil.example.com:80",
      });
      assert.equal(
        netGrant(flags),
        "--allow-net=127.0.0.1:9001,*.amazonaws.com",
      );
    },
  );

  await t.step(
    "the built bootstrap grants it and sets the export defaults when on",
    async () => {
      const run = await bootstrapRun({
        ...API,
        AWS_LAMBDA_FUNCTION_NAME: "orders",
        OTEL_DENO: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4399",
        OTEL_TRACES_SAMPLER: "always_on",
      });
      assert.equal(
        netGrant(run.args),
        "--allow-net=127.0.0.1:9001,127.0.0.1:4399,*.amazonaws.com",
      );
      assert.equal(run.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, "1");
      assert.equal(run.env.OTEL_BLRP_MAX_EXPORT_BATCH_SIZE, "1");
      assert.equal(
        run.env.OTEL_TRACES_SAMPLER,
        "always_on",
        "the function's own setting stays",
      );
      assert.equal(run.env.OTEL_SERVICE_NAME, "orders");
    },
  );

  await t.step("the built bootstrap grants nothing more when off", async () => {
    const run = await bootstrapRun({
      ...API,
      RTL_LAMBDA_OTEL_ENDPOINT: "evil.example.com:80",
    });
    assert.equal(
      netGrant(run.args),
      "--allow-net=127.0.0.1:9001,*.amazonaws.com",
    );
    assert.deepEqual(run.env, {});
  });
});
