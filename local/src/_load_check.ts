// What a script entry fails to load (a syntax error, a missing module, a failed download) is known before
// its first line runs, and Deno then exits with no JavaScript left to tell the Runtime API. So the CLI asks
// `deno info` first and leaves the error where the entry's loader (_entry_loader.ts) reads it and reports it.

import { pathToFileURL } from "node:url";

/** The load check of one script entry. */
export interface LoadCheck {
  /** The file the loader reads: the load error, when there is one. */
  readonly reportFile: string;
  /** Checks again (after the entry's files changed). */
  refresh(): Promise<void>;
  /** Removes the report. */
  close(): Promise<void>;
}

/** Where the loader of `mainModule` (a file URL) finds its load error; the same in both processes. */
export async function loadReportFile(mainModule: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(mainModule),
  );
  const hex = [...new Uint8Array(digest)].slice(0, 12)
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `/tmp/rtl-lambda-load-${hex}.txt`;
}

/** Checks what `entry` loads, from `cwd` (where its deno.json is found), and writes the report. */
export async function checkLoad(
  entry: string,
  cwd: string,
  permissions: readonly string[],
): Promise<LoadCheck> {
  const path = await Deno.realPath(entry);
  const reportFile = await loadReportFile(pathToFileURL(path).href);
  // The function's own import grant: what it may not import fails here as it would at its start.
  const imports = permissions.filter((flag) =>
    flag === "--allow-all" || flag.startsWith("--allow-import")
  );
  const refresh = async () => {
    const error = await _loadError(path, cwd, imports);
    if (error === undefined) await Deno.remove(reportFile).catch(() => {});
    else await Deno.writeTextFile(reportFile, error);
  };
  await refresh();
  return {
    reportFile,
    refresh,
    close: () => Deno.remove(reportFile).catch(() => {}),
  };
}

/** The first error `deno info` finds in the module graph of `path`. */
async function _loadError(
  path: string,
  cwd: string,
  imports: readonly string[],
): Promise<string | undefined> {
  let text: string;
  try {
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", ...imports, path],
      cwd,
      stdout: "piped",
      stderr: "null",
    }).output();
    text = new TextDecoder().decode(stdout);
  } catch {
    return undefined;
  }
  try {
    const graph = JSON.parse(text) as {
      modules?: { specifier?: string; error?: string }[];
    };
    return graph.modules?.find((module) => module.error !== undefined)?.error;
  } catch {
    // No graph to read (deno info itself failed): the run will say why.
    return undefined;
  }
}
