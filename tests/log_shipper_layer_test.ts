// The log shipper packaged as a layer: the zip's entries and modes, then the unpacked layer's
// extensions/ folder run by the emulator, as Lambda runs /opt/extensions.
import assert from "node:assert/strict";
import { buildLayer } from "../examples/log_shipper/layer.ts";
import { centralDirectory, unpack } from "./_zip_reader.ts";
import { emulate, fixture } from "./_emulator.ts";

Deno.test("log shipper layer", async (t) => {
  const work = await Deno.makeTempDir({ prefix: "layer_test_" });
  try {
    // This machine's architecture: its Deno binary is the running one, so nothing is downloaded.
    const path = await buildLayer({
      target: Deno.build.arch,
      out: `${work}/dist`,
      cacheDir: `${work}/cache`,
      level: 0,
    });
    const zip = await Deno.readFile(path);

    await t.step(
      "holds only the executable in extensions/, 0755, beside its code",
      () => {
        const modes = Object.fromEntries(
          centralDirectory(zip).map((
            r,
          ) => [r.name, (r.unixMode & 0o777).toString(8)]),
        );
        assert.deepEqual(modes, {
          "extensions/log_shipper": "755",
          "log_shipper/deno": "755",
          "log_shipper/main.js": "644",
        });
      },
    );

    await t.step(
      "unpacked, its extension runs under the emulator and gets INVOKE and SHUTDOWN",
      async () => {
        const opt = `${work}/opt`;
        await unpack(zip, opt);
        const emulator = await emulate(fixture("../examples/echo/main.ts"), {
          extensionsDir: `${opt}/extensions`,
        });
        let requestId: string | null = null;
        try {
          requestId = (await emulator.call("layer")).requestId;
        } finally {
          await emulator.close();
        }
        const said = emulator.lines
          .map(({ line }) => line)
          .filter((line) =>
            line.startsWith("[log_shipper] ") && !line.includes("registered")
          );
        assert.deepEqual(said, [
          `[log_shipper] INVOKE ${requestId}`,
          "[log_shipper] SHUTDOWN spindown",
        ]);
      },
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
