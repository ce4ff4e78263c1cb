// `deno task build --layer`: the Deno binary in a deterministic layer.zip at /opt/deno-<version>-<arch>/deno,
// a function.zip of kilobytes without it, and the emulator running the built bootstrap with its layer.
import assert from "node:assert/strict";
import { centralDirectory, unpack } from "./_zip_reader.ts";
import { startCli } from "./_cli.ts";
import { sharedEchoLayerBuild } from "./_echo_build.ts";
import { HOST_ARCH } from "./_control_plane.ts";
import { parseBuildArgs } from "../scripts/build.ts";
import { layerFolder, packLayer } from "../scripts/build/layer.ts";
import { resolveTarget } from "../scripts/build/targets.ts";
import { formatSummary } from "../scripts/build/summary.ts";

const built = await sharedEchoLayerBuild();
const functionZip = await Deno.readFile(`${built}/function.zip`);
const layerZip = await Deno.readFile(`${built}/layer.zip`);
const folder = layerFolder(resolveTarget(HOST_ARCH.build));
const work = await Deno.makeTempDir({ prefix: "runtime-layer-build-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(work, { recursive: true });
});

Deno.test("build --layer puts Deno in layer.zip and leaves function.zip under 1 MB", async (t) => {
  await t.step("--layer is an option of the build", () => {
    assert.equal(parseBuildArgs(["--layer"]).layer, true);
  });

  await t.step(
    "function.zip holds the bootstrap, main.js, its map and caches: no deno",
    () => {
      const names = centralDirectory(functionZip).map((record) => record.name);
      assert.ok(
        functionZip.byteLength < 1024 * 1024,
        `${functionZip.byteLength} bytes`,
      );
      assert.ok(!names.includes("deno"), names.join(", "));
      for (const name of ["bootstrap", "main.js", "main.js.map"]) {
        assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
      }
      assert.ok(
        names.some((name) => name.startsWith(".deno/")),
        names.join(", "),
      );
    },
  );

  await t.step(
    "layer.zip holds this Deno, executable, at deno-<version>-<arch>/deno (/opt/… on Lambda)",
    () => {
      assert.equal(folder, `deno-${Deno.version.deno}-${HOST_ARCH.lambda}`);
      const records = centralDirectory(layerZip);
      assert.deepEqual(records.map((record) => record.name), [
        `${folder}/deno`,
      ]);
      assert.equal(records[0].unixMode & 0o777, 0o755);
      assert.equal(records[0].size, Deno.statSync(Deno.execPath()).size);
    },
  );

  await t.step("the summary's commands publish the layer and attach it", () => {
    const text = formatSummary([{
      name: "echo",
      target: resolveTarget("x64"),
      mode: "portable",
      directory: "dist/x64",
      bootstrap: "dist/x64/bootstrap",
      zip: "dist/x64/function.zip",
      entries: ["bootstrap", "main.js"],
      bootstrapBytes: 4000,
      zippedBytes: 388_000,
      unzippedBytes: 980_000,
      layer: {
        zip: "dist/x64/layer.zip",
        path: "/opt/deno-2.9.6-x86_64/deno",
        zippedBytes: 42_000_000,
        unzippedBytes: 95_000_000,
        sha256: "ab".repeat(32),
      },
      milliseconds: 1000,
    }]);
    assert.match(
      text,
      /aws lambda publish-layer-version --layer-name deno-2_9_6-x86_64 --compatible-architectures x86_64 --zip-file fileb:\/\/dist\/x64\/layer\.zip/,
    );
    assert.match(text, /create-function .* --layers <layer-version-arn>/);
    assert.match(text, /deno task deploy --layer-mode/);
  });

  await t.step(
    "the same binary gives the same layer bytes, whatever its file's times",
    async () => {
      const hashes = [];
      for (const when of [new Date(2001, 1, 1), new Date()]) {
        const dir = `${work}/pack-${when.getTime()}`;
        await Deno.mkdir(dir);
        await Deno.writeTextFile(`${dir}/deno`, "#!/bin/sh\necho a stand-in\n");
        await Deno.chmod(`${dir}/deno`, 0o755);
        await Deno.utime(`${dir}/deno`, when, when);
        hashes.push(
          (await packLayer(dir, resolveTarget(HOST_ARCH.build))).sha256,
        );
      }
      assert.equal(hashes[0], hashes[1]);
    },
  );
});

Deno.test("the emulator runs the built bootstrap with its layer at /opt", async (t) => {
  const dist = `${work}/dist`;
  await Deno.mkdir(dist);
  await unpack(functionZip, dist);
  const invoke = async (url: string) =>
    await (await fetch(`${url}/2015-03-31/functions/function/invocations`, {
      method: "POST",
      body: '{"hello":"opt"}',
    })).json();

  await t.step(
    "without a layer, the init error names the layer to attach",
    async () => {
      await using emulator = await startCli([
        `${dist}/bootstrap`,
        "--port",
        "0",
      ], / on (http:\/\/\S+)/);
      const answer = await invoke(emulator.url);
      assert.equal(answer.errorType, "Runtime.InvalidEntrypoint");
      assert.match(
        answer.errorMessage,
        /attach the layer built by `deno task build --layer`/,
      );
    },
  );

  await t.step("with --layer, it answers", async () => {
    await using emulator = await startCli(
      [`${dist}/bootstrap`, "--layer", `${built}/layer.zip`, "--port", "0"],
      / on (http:\/\/\S+)/,
    );
    assert.equal((await invoke(emulator.url)).message, 'ECHO: {"hello":"opt"}');
    assert.match(emulator.output(), /\/opt: .*layer\.zip \(--layer\)/);
  });

  await t.step(
    "with layer.zip beside the bootstrap, as the build leaves it, it answers",
    async () => {
      await Deno.copyFile(`${built}/layer.zip`, `${dist}/layer.zip`);
      await using emulator = await startCli([
        `${dist}/bootstrap`,
        "--port",
        "0",
      ], / on (http:\/\/\S+)/);
      assert.equal(
        (await invoke(emulator.url)).message,
        'ECHO: {"hello":"opt"}',
      );
      assert.match(emulator.output(), /found beside the bootstrap/);
    },
  );
});
