// scripts/zip.ts: deterministic archives with the Unix modes Lambda needs, in memory and from files.
import assert from "node:assert/strict";
import { unzipSync } from "npm:fflate@0.8.2";
import {
  archiveOrder,
  createZip,
  zipFiles,
  type ZipInput,
} from "../scripts/zip.ts";
import { centralDirectory } from "./_zip_reader.ts";

const encoder = new TextEncoder();
const files: ZipInput[] = [
  { name: "main.js", data: encoder.encode("console.log('hi');\n".repeat(50)) },
  { name: "bootstrap", data: encoder.encode("#!/bin/sh\nexec ./deno\n") },
  { name: "lib/tool", data: encoder.encode("#!/bin/sh\n"), executable: true },
  { name: "data/config.json", data: encoder.encode('{"a":1}') },
];
const zipScript = new URL("../scripts/zip.ts", import.meta.url).pathname;

Deno.test("createZip", async (t) => {
  await t.step("the same files give the same bytes in any order", () => {
    assert.deepEqual(createZip(files), createZip([...files].reverse()));
  });

  await t.step("the bytes do not depend on the time zone", async () => {
    const root = await Deno.makeTempDir();
    try {
      for (const file of files) {
        const path = `${root}/${file.name}`;
        await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), {
          recursive: true,
        });
        await Deno.writeFile(path, file.data);
        await Deno.chmod(path, file.executable ? 0o755 : 0o644);
      }
      const names = files.map((file) => file.name);
      const outputs: Uint8Array[] = [];
      for (const zone of ["UTC", "Pacific/Kiritimati", "America/Los_Angeles"]) {
        const output = `${root}/${zone.replace("/", "_")}.zip`;
        const child = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--no-prompt",
            `--allow-read=${root}`,
            `--allow-write=${root}`,
            zipScript,
            "--root",
            root,
            "--output",
            output,
            ...names,
          ],
          env: { TZ: zone },
          stdout: "null",
          stderr: "piped",
        }).output();
        assert.equal(
          child.code,
          0,
          new TextDecoder().decode(child.stderr),
        );
        outputs.push(await Deno.readFile(output));
      }
      assert.deepEqual(outputs[1], outputs[0]);
      assert.deepEqual(outputs[2], outputs[0]);
      assert.deepEqual(outputs[0], createZip(files));
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  await t.step(
    "bootstrap is a Unix file with mode 0755 even when not marked executable",
    () => {
      const bootstrap = centralDirectory(createZip(files)).find((record) =>
        record.name === "bootstrap"
      );
      assert.equal(bootstrap?.system, 3);
      assert.equal(bootstrap?.unixMode, 0o100755);
    },
  );

  await t.step(
    "other files are 0644, or 0755 when marked executable",
    () => {
      const modes = Object.fromEntries(
        centralDirectory(createZip(files)).map((record) => [
          record.name,
          record.unixMode,
        ]),
      );
      assert.equal(modes["main.js"], 0o100644);
      assert.equal(modes["data/config.json"], 0o100644);
      assert.equal(modes["lib/tool"], 0o100755);
    },
  );

  await t.step(
    "entries are sorted, deflated and dated 1980-01-01 00:00",
    () => {
      const records = centralDirectory(createZip(files));
      assert.deepEqual(records.map((record) => record.name), [
        "bootstrap",
        "data/config.json",
        "lib/tool",
        "main.js",
      ]);
      for (const record of records) {
        assert.equal(record.method, 8);
        assert.equal(record.dosDate, (0 << 9) | (1 << 5) | 1);
        assert.equal(record.dosTime, 0);
      }
    },
  );

  await t.step("the archive unpacks to the same bytes", () => {
    const unpacked = unzipSync(createZip(files));
    for (const file of files) assert.deepEqual(unpacked[file.name], file.data);
  });

  await t.step("a name with .., a leading / or twice is refused", () => {
    const data = new Uint8Array();
    for (const name of ["../etc/passwd", "/abs", "a//b", "./x", ""]) {
      assert.throws(() => createZip([{ name, data }]), {
        name: "ZipInputError",
      }, name);
    }
    assert.throws(
      () => createZip([{ name: "a", data }, { name: "a", data }]),
      { name: "ZipInputError", message: /twice/ },
    );
  });

  await t.step("archiveOrder puts integer-like names first, as written", () => {
    const zip = createZip(
      ["b", "10", "a", "9"].map((name) => ({ name, data: new Uint8Array() })),
    );
    assert.deepEqual(
      centralDirectory(zip).map((record) => record.name),
      archiveOrder(["b", "10", "a", "9"]),
    );
  });
});

Deno.test("zipFiles", async (t) => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/assets/icons`, { recursive: true });
    await Deno.writeTextFile(`${root}/bootstrap`, "#!/bin/sh\n");
    await Deno.chmod(`${root}/bootstrap`, 0o600);
    await Deno.writeTextFile(`${root}/assets/icons/a.svg`, "<svg/>");
    await Deno.writeTextFile(`${root}/assets/run.sh`, "#!/bin/sh\n");
    await Deno.chmod(`${root}/assets/run.sh`, 0o700);

    await t.step("folders are added with everything under them", async () => {
      const summary = await zipFiles(["bootstrap", "assets/"], {
        root,
        output: `${root}/function.zip`,
      });
      assert.deepEqual(summary.entries, [
        "assets/icons/a.svg",
        "assets/run.sh",
        "bootstrap",
      ]);
      const zip = await Deno.readFile(`${root}/function.zip`);
      assert.equal(summary.zippedBytes, zip.length);
      assert.equal(summary.unzippedBytes, 6 + 10 + 10);
    });

    await t.step("a file's executable bit is kept as 0755", async () => {
      const zip = await Deno.readFile(`${root}/function.zip`);
      const modes = Object.fromEntries(
        centralDirectory(zip).map((record) => [record.name, record.unixMode]),
      );
      assert.equal(modes["assets/run.sh"], 0o100755);
      assert.equal(modes["assets/icons/a.svg"], 0o100644);
      assert.equal(modes["bootstrap"], 0o100755);
    });

    await t.step("a missing path is named in the error", async () => {
      await assert.rejects(
        zipFiles(["nothing-here"], { root, output: `${root}/x.zip` }),
        { name: "ZipInputError", message: /nothing-here/ },
      );
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
