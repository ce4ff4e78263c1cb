// The emulator's trace view in headless Chromium: each recent invocation a waterfall, its bars placed by start and
// duration and nested by parent. The screenshot is checked for the bars' colors; OTEL_SCREENSHOT=path keeps it
// (docs/images/otel-waterfall.png was made so).
import assert from "node:assert/strict";
import { emulate, fixture } from "./_emulator.ts";
import { HAND_EXPORT_ENV } from "./_otlp.ts";
import { chromium, headless } from "./_chromium.ts";
import { countColor, readPng } from "./_png.ts";

Deno.test({
  name: "the trace view in headless Chromium shows a waterfall per invocation" +
    (chromium === undefined
      ? " (ignored: chromium is not installed; apt-get install -y chromium)"
      : ""),
  ignore: chromium === undefined,
  async fn(t) {
    await using server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("ok"),
    );
    await using emulator = await emulate(
      fixture("fixtures/otlp_function.ts"),
      { env: { ...HAND_EXPORT_ENV }, functionName: "checkout" },
    );
    const ids: string[] = [];
    for (const format of ["json", "protobuf", "json"]) {
      const base = `http://127.0.0.1:${server.addr.port}`;
      const answer = await emulator.call({
        urls: [
          `${base}/stock?item=${ids.length}`,
          `${base}/price?item=${ids.length}`,
        ],
        format,
      });
      assert.equal(answer.body.exported, 200);
      assert.equal(answer.body.logged, 200);
      ids.push(answer.requestId!);
    }
    const page = `${emulator.otlpUrl}/`;

    await t.step(
      "the DOM lists the invocations, newest first, each with its fetches nested under it",
      async () => {
        const dom = await headless(page, ["--dump-dom"]);
        const listed = [...dom.matchAll(/data-request-id="([^"]+)"/g)].map((
          m,
        ) => m[1]);
        assert.deepEqual(listed, ids.toReversed());
        const section = dom.slice(dom.indexOf(`data-request-id="${ids[0]}"`));
        const rows = [
          ...section.matchAll(
            /<div class="row" data-span-id="[0-9a-f]{16}" data-depth="(\d)">.*?<div class="bar (\w+)" style="left:([\d.]+)%;width:([\d.]+)%"/g,
          ),
        ].slice(0, 3);
        assert.deepEqual(rows.map((row) => [row[1], row[2]]), [
          ["0", "server"],
          ["1", "client"],
          ["1", "client"],
        ]);
        const [left, width] = [3, 4].map((at) =>
          rows.map((row) => Number(row[at]))
        );
        // The invocation span spans the track; its fetches start inside it, one after the other, each narrower.
        assert.deepEqual([left[0], width[0]], [0, 100]);
        assert.ok(left[1] + width[1] <= left[2] + 0.001, `${left} ${width}`);
        assert.ok(left[2] + width[2] <= 100.001, `${left} ${width}`);
        assert.ok(width[1] > 0 && width[2] > 0, `${width}`);
        // The log line written in the invocation is listed under its waterfall.
        assert.match(
          section,
          /<ol class="logs"><li>INFO checking 2 URLs<\/li><\/ol>/,
        );
      },
    );

    await t.step(
      "the screenshot shows the bars (the server and client colors)",
      async () => {
        const dir = await Deno.makeTempDir({ prefix: "otel-page-" });
        try {
          const path = `${dir}/page.png`;
          await headless(page, [
            `--screenshot=${path}`,
            "--window-size=1100,720",
          ]);
          const pixels = await readPng(await Deno.readFile(path));
          assert.equal(pixels.width, 1100);
          // Three invocation bars (the whole track) and six fetch bars, in their colors.
          assert.ok(countColor(pixels, "#8a5cd1") > 3 * 300, "server bars");
          assert.ok(countColor(pixels, "#2f9e6e") > 6 * 10, "client bars");
          const keep = Deno.env.get("OTEL_SCREENSHOT");
          if (keep) await Deno.copyFile(path, keep);
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    );
  },
});
