import assert from "node:assert/strict";
import { bundle, PORTABLE_FILES } from "../scripts/build/portable.ts";

const _SOURCE = `// A function whose init throws, from a line the test knows.
function explode(): never {
  throw new Error("thrown by the user's code");
}
explode();
`;

Deno.test("the portable bundle's source map", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "rtl-sourcemap-" });
  try {
    await Deno.writeTextFile(`${dir}/handler.ts`, _SOURCE);
    const out = `${dir}/out/${PORTABLE_FILES.bundle}`;
    await bundle(`${dir}/handler.ts`, out);
    const code = await Deno.readTextFile(out);

    await t.step("lies beside main.js, not inside it", async () => {
      assert.ok(code.trimEnd().endsWith("//# sourceMappingURL=main.js.map"));
      assert.doesNotMatch(code, /sourceMappingURL=data:/);
      const map = JSON.parse(
        await Deno.readTextFile(`${dir}/out/${PORTABLE_FILES.map}`),
      );
      assert.ok(map.sources.some((s: string) => s.endsWith("handler.ts")));
    });

    await t.step(
      "makes a thrown error's stack name the TypeScript file and line",
      async () => {
        const output = await new Deno.Command(Deno.execPath(), {
          args: ["run", "--no-config", "--no-lock", out],
          env: { NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stderr = new TextDecoder().decode(output.stderr);
        assert.equal(output.success, false);
        assert.match(stderr, /at explode \(file:\/\/\S*\/handler\.ts:3:9\)/);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
