import assert from "node:assert/strict";
import { bundle, PORTABLE_FILES } from "../scripts/build/portable.ts";
import { withBanner } from "../scripts/build/init_banner.ts";
import {
  type CallSiteLike,
  stackMapper,
} from "../scripts/build/_stack_mapper.ts";

const _SOURCE = `// A function whose init throws, from a line the test knows.
function explode(): never {
  throw new Error("thrown by the user's code");
}
export function caught(): string {
  try {
    explode();
  } catch (error) {
    return (error as Error).stack ?? "";
  }
  return "";
}
if (Deno.args[0] === "caught") console.log(caught());
else explode();
`;

function frame(url: string, line: number, column: number): CallSiteLike {
  const path = new URL(url).pathname;
  return {
    getScriptNameOrSourceURL: () => url,
    getFileName: () => path,
    getLineNumber: () => line,
    getColumnNumber: () => column,
    toString: () => `f (${path}:${line}:${column})`,
  };
}

Deno.test("the portable bundle's source map", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "rtl-sourcemap-" });
  try {
    await Deno.writeTextFile(`${dir}/handler.ts`, _SOURCE);
    const out = `${dir}/out/${PORTABLE_FILES.bundle}`;
    const bundled = await bundle(`${dir}/handler.ts`, out);
    const staged = withBanner(bundled.code, bundled.map);
    await Deno.writeTextFile(out, staged.code);
    await Deno.writeTextFile(`${out}.map`, staged.map);
    const run = (args: string[], options: { read?: boolean } = {}) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-config",
          "--no-lock",
          ...(options.read === false ? [] : [`--allow-read=${dir}`]),
          out,
          ...args,
        ],
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();

    await t.step("is minified, its comments and line breaks out", () => {
      assert.equal(bundled.unminified, undefined);
      assert.doesNotMatch(bundled.code, /A function whose init throws/);
      assert.ok(bundled.code.trimEnd().split("\n").length <= 2);
    });

    await t.step(
      "lies beside main.js, and main.js does not link it (Deno would parse it at load)",
      async () => {
        assert.doesNotMatch(staged.code, /sourceMappingURL=/);
        const map = JSON.parse(
          await Deno.readTextFile(`${dir}/out/${PORTABLE_FILES.map}`),
        );
        assert.ok(map.sources.some((s: string) => s.endsWith("handler.ts")));
      },
    );

    await t.step(
      "gives the init error posted to the Runtime API a stack that names the TypeScript file and line",
      async () => {
        const posted = Promise.withResolvers<string>();
        await using server = Deno.serve(
          { hostname: "127.0.0.1", port: 0, onListen() {} },
          async (request) => {
            posted.resolve(await request.text());
            return new Response(null, { status: 202 });
          },
        );
        const output = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--no-config",
            "--no-lock",
            `--allow-read=${dir}`,
            "--allow-env=AWS_LAMBDA_RUNTIME_API",
            "--allow-net=127.0.0.1",
            out,
          ],
          env: {
            NO_COLOR: "1",
            AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.addr.port}`,
          },
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(output.success, false);
        const report = JSON.parse(await posted.promise);
        assert.equal(report.errorMessage, "thrown by the user's code");
        assert.match(
          report.stackTrace[0],
          /^at explode \(file:\/\/\S*\/handler\.ts:3:9\)$/,
        );
      },
    );

    await t.step(
      "makes error.stack read in the code name the TypeScript file and line",
      async () => {
        const output = await run(["caught"]);
        const stdout = new TextDecoder().decode(output.stdout);
        assert.equal(output.success, true);
        assert.match(stdout, /^Error: thrown by the user's code\n/);
        assert.match(stdout, /at explode \(file:\/\/\S*\/handler\.ts:3:9\)/);
        assert.match(stdout, /at caught \(file:\/\/\S*\/handler\.ts:7:5\)/);
      },
    );

    await t.step(
      "leaves the bundle's own positions when the map cannot be read",
      async () => {
        const output = await run(["caught"], { read: false });
        const stdout = new TextDecoder().decode(output.stdout);
        assert.equal(output.success, true);
        assert.match(stdout, /at explode \(\S*\/main\.js:\d+:\d+\)/);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the on-demand stack mapper", async (t) => {
  const bundleUrl = "file:///task/main.js";
  const map = JSON.stringify({
    version: 3,
    sources: ["src/a.ts", "src/b.ts"],
    // Line 1: column 0 → a.ts 1:1, column 10 → b.ts 5:3. Line 2: nothing. Line 3: column 4 → a.ts 2:1.
    mappings: "AAAA,UCIE;;IDHF",
  });
  let reads = 0;
  const prepare = stackMapper(bundleUrl, "file:///task/main.js.map", () => {
    reads++;
    return map;
  });

  await t.step("does not read the map before a stack is formatted", () => {
    assert.equal(reads, 0);
  });

  await t.step("maps each frame in the bundle to its source and line", () => {
    const text = prepare(new Error("boom"), [
      frame(bundleUrl, 1, 1),
      frame(bundleUrl, 1, 15),
      frame(bundleUrl, 3, 5),
    ]);
    assert.equal(
      text,
      [
        "Error: boom",
        "    at f (file:///task/src/a.ts:1:1)",
        "    at f (file:///task/src/b.ts:5:3)",
        "    at f (file:///task/src/a.ts:2:1)",
      ].join("\n"),
    );
  });

  await t.step("reads the map once for every stack after", () => {
    prepare(new Error("again"), [frame(bundleUrl, 1, 1)]);
    assert.equal(reads, 1);
  });

  await t.step("keeps frames of other scripts and unmapped lines", () => {
    const text = prepare(new Error("x"), [
      frame("file:///other.js", 1, 1),
      frame(bundleUrl, 2, 1),
    ]);
    assert.equal(
      text,
      "Error: x\n    at f (/other.js:1:1)\n    at f (/task/main.js:2:1)",
    );
  });

  await t.step("leaves every frame as it is when the map is not JSON", () => {
    const broken = stackMapper(bundleUrl, "file:///m", () => "{");
    assert.equal(
      broken(new Error("y"), [frame(bundleUrl, 1, 1)]),
      "Error: y\n    at f (/task/main.js:1:1)",
    );
  });
});
