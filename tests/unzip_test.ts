// local/zip.ts: deployment packages read as Lambda reads them. Each malicious zip is written byte by byte
// (tests/_zip_bytes.ts) and must be refused with Lambda's words, with nothing written and no more inflated than the limit.
import assert from "node:assert/strict";
import {
  EmptyZipError,
  InvalidZipError,
  unpackZip,
  UnzippedSizeError,
  validateZip,
  type ZipReadOptions,
} from "../local/zip.ts";
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
} from "npm:@aws-sdk/client-lambda@3.1164.0";
import { readPackage } from "../scripts/deploy/package.ts";
import { createZip } from "../scripts/zip.ts";
import { lambdaClient, ROLE, startControlPlane } from "./_control_plane.ts";
import { deflatedZeros, type RawEntry, rawZip } from "./_zip_bytes.ts";

const MB = 1024 * 1024;
const CORRUPT =
  "Could not unzip uploaded file. Please check your file, then try to upload again.";
const text = (s: string) => new TextEncoder().encode(s);
const bootstrap: RawEntry = {
  name: "bootstrap",
  data: text("#!/bin/sh\necho hi\n"),
  mode: 0o100755,
};

/** Unpacks into `<fresh folder>/task`, counting what is inflated; the folder's listing after. */
async function tryUnpack(zip: Uint8Array, options: ZipReadOptions = {}) {
  const work = await Deno.makeTempDir({ prefix: "unzip-test-" });
  let inflated = 0;
  try {
    const result = await unpackZip(zip, `${work}/task`, {
      ...options,
      onInflate: (bytes) => inflated += bytes,
    }).then((size) => ({ size }), (error: unknown) => ({ error }));
    return { ...result, inflated, left: await _tree(work) };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** Every path under `root` with its kind, permission bits and contents (or link target). */
async function _tree(root: string, under = ""): Promise<string[]> {
  const lines: string[] = [];
  for await (const entry of Deno.readDir(`${root}/${under}`)) {
    const path = `${under}${entry.name}`;
    const full = `${root}/${path}`;
    const mode = ((await Deno.lstat(full)).mode! & 0o777).toString(8);
    if (entry.isSymlink) lines.push(`${path} -> ${await Deno.readLink(full)}`);
    else if (entry.isDirectory) lines.push(...await _tree(root, `${path}/`));
    else lines.push(`${path} ${mode} ${await Deno.readTextFile(full)}`);
  }
  return lines.sort();
}

/** The package is refused with `kind` and Lambda's `message`, leaving the folder it was to land in empty. */
async function assertRefused(
  zip: Uint8Array,
  kind: abstract new (...args: never[]) => InvalidZipError,
  message: string,
  options: ZipReadOptions = {},
): Promise<number> {
  const outcome = await tryUnpack(zip, options);
  assert.ok("error" in outcome, "the zip was unpacked");
  assert.ok(outcome.error instanceof kind, String(outcome.error));
  assert.equal(outcome.error.lambdaMessage, message);
  assert.deepEqual(outcome.left, [], "nothing is left behind");
  await assert.rejects(validateZip(zip, options), kind);
  return outcome.inflated;
}

Deno.test("a valid package unpacks with its modes and links", async (t) => {
  await t.step("files keep their recorded mode, less write bits", async () => {
    const zip = await rawZip([
      bootstrap,
      { name: "lib/", mode: 0o40755 },
      { name: "lib/data.json", data: text("{}"), method: 8 },
      { name: "lib/tool", data: text("x"), mode: 0o100750 },
    ]);
    const outcome = await tryUnpack(zip);
    assert.ok("size" in outcome && outcome.size === 21);
    assert.deepEqual(outcome.left, [
      "task/bootstrap 555 #!/bin/sh\necho hi\n",
      "task/lib/data.json 444 {}",
      "task/lib/tool 550 x",
    ]);
    assert.equal(await validateZip(zip), 21);
    assert.equal(await validateZip(new Blob([zip as BlobPart])), 21);
  });

  await t.step(
    "a symlink that resolves inside the folder is kept as a link",
    async () => {
      const zip = await rawZip([
        { name: "data/v1.json", data: text("1") },
        {
          name: "lib/current.json",
          data: text("../data/v1.json"),
          mode: 0o120777,
        },
        { name: "here", data: text("."), mode: 0o120777 },
        { name: "up", data: text("here/lib/.."), mode: 0o120777 },
      ]);
      assert.deepEqual((await tryUnpack(zip)).left, [
        "task/data/v1.json 444 1",
        "task/here -> .",
        "task/lib/current.json -> ../data/v1.json",
        "task/up -> here/lib/..",
      ]);
    },
  );

  await t.step(
    "a FIFO's mode (zip read stdin) is written as a plain file",
    async () => {
      const zip = await rawZip([{
        name: "-",
        data: text("piped"),
        mode: 0o010644,
      }]);
      assert.deepEqual((await tryUnpack(zip)).left, ["task/- 444 piped"]);
    },
  );

  await t.step("zip64 records and fields are read", async () => {
    const zip = await rawZip([{ ...bootstrap, zip64: true, method: 8 }], {
      zip64: true,
    });
    assert.deepEqual((await tryUnpack(zip)).left, [
      "task/bootstrap 555 #!/bin/sh\necho hi\n",
    ]);
  });

  await t.step(
    "createZip's archive and the zip CLI's unpack the same",
    async () => {
      const files = [
        { name: "bootstrap", data: text("#!/bin/sh\n") },
        { name: "main.js", data: text("console.log(1);\n".repeat(100)) },
        { name: "lib/tool", data: text("#!/bin/sh\n"), executable: true },
      ];
      const ours = await tryUnpack(createZip(files));
      assert.equal(ours.left.length, 3);
      if (!await _hasZipCli()) return;
      const work = await Deno.makeTempDir({ prefix: "unzip-test-cli-" });
      try {
        for (const file of files) {
          await Deno.mkdir(`${work}/in/lib`, { recursive: true });
          await Deno.writeFile(`${work}/in/${file.name}`, file.data, {
            mode: file.executable || file.name === "bootstrap" ? 0o755 : 0o644,
          });
        }
        // Deno.symlink needs unscoped grants the tests do not hold.
        await new Deno.Command("ln", {
          args: ["-s", "lib/tool", `${work}/in/tool`],
        }).output();
        // -fz: the same archive with zip64 end records and fields.
        for (const zip64 of [[], ["-fz"]]) {
          await new Deno.Command("zip", {
            args: ["-qry", ...zip64, "../cli.zip", "."],
            cwd: `${work}/in`,
          }).output();
          const cli = await tryUnpack(await Deno.readFile(`${work}/cli.zip`));
          assert.deepEqual(
            cli.left,
            [...ours.left, "task/tool -> lib/tool"].sort(),
          );
          await Deno.remove(`${work}/cli.zip`);
        }
      } finally {
        await Deno.remove(work, { recursive: true });
      }
    },
  );
});

async function _hasZipCli(): Promise<boolean> {
  try {
    return (await new Deno.Command("zip", { args: ["-v"], stdout: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

Deno.test("an empty or damaged package is refused with Lambda's words", async (t) => {
  await t.step("no bytes, or an end record with no entries", async () => {
    const message = "Uploaded file must be a non-empty zip";
    await assertRefused(new Uint8Array(), EmptyZipError, message);
    await assertRefused(await rawZip([]), EmptyZipError, message);
  });

  await t.step("bytes that are not a zip, or a zip cut short", async () => {
    await assertRefused(text("hello, not a zip"), InvalidZipError, CORRUPT);
    const zip = await rawZip([bootstrap]);
    await assertRefused(
      zip.subarray(0, zip.length - 5),
      InvalidZipError,
      CORRUPT,
    );
    await assertRefused(zip.subarray(10), InvalidZipError, CORRUPT);
  });

  await t.step("a bad CRC-32, stored or deflated", async () => {
    for (const method of [0, 8] as const) {
      await assertRefused(
        await rawZip([{ ...bootstrap, method, crc: 0x12345678 }]),
        InvalidZipError,
        CORRUPT,
      );
    }
  });

  await t.step("deflated data that is not deflate", async () => {
    await assertRefused(
      await rawZip([{
        ...bootstrap,
        method: 8,
        payload: new Uint8Array(64).fill(0xff),
      }]),
      InvalidZipError,
      CORRUPT,
    );
  });

  await t.step("an entry shorter than it declares", async () => {
    const zip = await rawZip([{ ...bootstrap, method: 8, size: 1000 }]);
    await assertRefused(zip, InvalidZipError, CORRUPT);
  });

  await t.step("a local header that names another file", async () => {
    const zip = await rawZip([{ ...bootstrap, localName: "../../evil" }]);
    await assertRefused(zip, InvalidZipError, CORRUPT);
  });

  await t.step(
    "a file written, then a bad one: the written one is removed",
    async () => {
      const zip = await rawZip([
        bootstrap,
        { name: "lib/z.js", data: text("z"), crc: 1 },
      ]);
      await assertRefused(zip, InvalidZipError, CORRUPT);
    },
  );
});

Deno.test("a zip bomb is refused without inflating past the limit", async (t) => {
  const payload = await deflatedZeros(64 * MB);
  const limit = 8 * MB;
  // One step feeds 8 KiB of deflate, which inflates to at most ~8.3 MB.
  const step = 8.3 * MB;

  await t.step(
    "zip64 declaring its size truly: stopped at the limit",
    async () => {
      const zip = await rawZip([
        { name: "big", payload, method: 8, size: 64 * MB, crc: 0, zip64: true },
      ], { zip64: true });
      const inflated = await assertRefused(
        zip,
        UnzippedSizeError,
        `Unzipped size must be smaller than ${limit} bytes`,
        { limit },
      );
      assert.ok(inflated > limit && inflated <= limit + step, `${inflated}`);
    },
  );

  await t.step(
    "declaring 1,000 bytes: stopped past 1,000, whatever the limit",
    async () => {
      const zip = await rawZip([
        { name: "big", payload, method: 8, size: 1000, crc: 0 },
      ]);
      const inflated = await assertRefused(zip, InvalidZipError, CORRUPT);
      assert.ok(inflated > 1000 && inflated <= 1000 + step, `${inflated}`);
    },
  );

  await t.step(
    "a zip64 end record that points past the classic one",
    async () => {
      const zip = await rawZip([bootstrap, {
        name: "big",
        payload,
        method: 8,
        size: 64 * MB,
        crc: 0,
      }], {
        zip64: true,
        classicFields: () => ({ count: 1, size: 55, offset: 0 }),
      });
      const inflated = await assertRefused(zip, InvalidZipError, CORRUPT);
      assert.equal(inflated, 0);
    },
  );

  await t.step(
    "the event loop turns while a large entry inflates",
    async () => {
      const zip = await rawZip([{
        name: "big",
        payload,
        method: 8,
        size: 64 * MB,
        crc: 0,
      }]);
      let turns = 0;
      let ticking = true;
      const tick = () => {
        turns++;
        if (ticking) setTimeout(tick, 0);
      };
      setTimeout(tick, 0);
      await assert.rejects(
        validateZip(zip, { limit: 32 * MB }),
        UnzippedSizeError,
      );
      ticking = false;
      assert.ok(turns >= 4, `timers ran ${turns} times`);
    },
  );
});

Deno.test("paths and links that leave the folder are refused", async (t) => {
  const cases: [string, RawEntry[]][] = [
    ["../ traversal", [{ name: "../escaped", data: text("x") }]],
    ["traversal in the middle", [{
      name: "lib/../../escaped",
      data: text("x"),
    }]],
    ["an absolute path", [{ name: "/tmp/escaped", data: text("x") }]],
    ["a backslash", [{ name: "..\\escaped", data: text("x") }]],
    ["a drive letter", [{ name: "C:/escaped", data: text("x") }]],
    ["a name twice", [bootstrap, { ...bootstrap, data: text("other") }]],
    ["a symlink out by ..", [bootstrap, {
      name: "etc",
      data: text("../../etc"),
      mode: 0o120777,
    }]],
    ["an absolute symlink", [bootstrap, {
      name: "passwd",
      data: text("/etc/passwd"),
      mode: 0o120777,
    }]],
    ["a symlink out through another", [
      { name: "here", data: text("."), mode: 0o120777 },
      { name: "out", data: text("here/.."), mode: 0o120777 },
    ]],
    ["a file under a symlink", [
      { name: "lib", data: text("."), mode: 0o120777 },
      { name: "lib/x", data: text("x") },
    ]],
  ];
  for (const [what, entries] of cases) {
    await t.step(what, async () => {
      await assertRefused(await rawZip(entries), InvalidZipError, CORRUPT);
    });
  }
});

Deno.test("the control plane answers a bad package with Lambda's error and creates nothing", async (t) => {
  await using plane = await startControlPlane();
  const lambda = lambdaClient(plane.url);
  const create = (FunctionName: string, ZipFile: Uint8Array) =>
    lambda.send(
      new CreateFunctionCommand({
        FunctionName,
        Role: ROLE,
        Runtime: "provided.al2023",
        Handler: "bootstrap",
        Code: { ZipFile },
      }),
    );
  const cases: [string, Promise<Uint8Array>, string][] = [
    ["an empty zip", rawZip([]), "Uploaded file must be a non-empty zip"],
    [
      "a lying size",
      deflatedZeros(64 * MB).then((payload) =>
        rawZip([bootstrap, { name: "big", payload, method: 8, size: 1000 }])
      ),
      CORRUPT,
    ],
    [
      "a symlink out of the folder",
      rawZip([bootstrap, { name: "etc", data: text("/etc"), mode: 0o120777 }]),
      CORRUPT,
    ],
  ];
  try {
    for (const [what, zip, message] of cases) {
      await t.step(what, async () => {
        const name = what.replaceAll(" ", "-");
        await assert.rejects(create(name, await zip), {
          name: "InvalidParameterValueException",
          message,
        });
        await assert.rejects(
          lambda.send(
            new GetFunctionConfigurationCommand({ FunctionName: name }),
          ),
          { name: "ResourceNotFoundException" },
        );
      });
    }
  } finally {
    lambda.destroy();
  }
});

Deno.test("the deploy tool reads its package through the same reader", async () => {
  const work = await Deno.makeTempDir({ prefix: "unzip-test-deploy-" });
  try {
    await Deno.writeFile(
      `${work}/lying.zip`,
      await rawZip([{ ...bootstrap, method: 8, size: 1000 }]),
    );
    await assert.rejects(readPackage(`${work}/lying.zip`), {
      name: "DeployError",
      message: /lying\.zip is not a zip Lambda can unpack: .*declared bytes/,
    });
    await Deno.writeFile(`${work}/ok.zip`, await rawZip([bootstrap]));
    assert.equal((await readPackage(`${work}/ok.zip`)).unzipped, 18);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
