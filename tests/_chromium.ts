// Headless Chromium (Debian's `chromium`) run on one URL: its DOM after load, or a screenshot.

/** The `chromium` on PATH, or `undefined` where it is not installed. */
export const chromium: string | undefined = (() => {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/chromium`).isFile) return `${dir}/chromium`;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
})();

/** Loads `url` in a fresh headless profile with `args` (`--dump-dom`, `--screenshot=…`); returns stdout. */
export async function headless(url: string, args: string[]): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "chromium-" });
  try {
    const { stdout, success } = await new Deno.Command(chromium!, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        `--user-data-dir=${profile}`,
        ...args,
        url,
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) throw new Error(`chromium failed on ${url}`);
    return new TextDecoder().decode(stdout);
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}
