// A function never reaches the emulator's own control ports: under `emulator main.ts --control-plane` its
// fetch of the control plane and of the invoke API is refused by its permissions, while its Runtime API works.
import assert from "node:assert/strict";
import { startEmulatorCli } from "./_emulator_cli.ts";
import { emulate } from "./_emulator.ts";
import { escapeEntry as entry, ownUrls, tryAll } from "./_escape.ts";
import { permissionFlags } from "../scripts/build.ts";

Deno.test("a function under the emulator CLI with --control-plane cannot reach the control plane or the invoke API", async () => {
  await using cli = await startEmulatorCli([
    entry,
    "--control-plane",
    "--port",
    "0",
  ]);
  const urls = ownUrls(cli.url);
  // The answer itself came through the function's Runtime API: that one still works.
  const outcomes = await tryAll(cli.url, urls);
  for (const url of urls) {
    assert.equal(outcomes[url], "NotCapable", `${url}: ${outcomes[url]}`);
  }
});

Deno.test("a function granted all of loopback is still denied the emulator's ports", async () => {
  await using emulator = await emulate(entry, {
    permissions: permissionFlags(["--allow-net=127.0.0.1,localhost,0.0.0.0"]),
  });
  const urls = ownUrls(emulator.url);
  const outcomes = await tryAll(emulator.url, urls);
  for (const url of urls) {
    assert.equal(outcomes[url], "NotCapable", `${url}: ${outcomes[url]}`);
  }
});
