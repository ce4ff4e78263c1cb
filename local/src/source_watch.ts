// `--watch`: the entry's folder is watched, and a burst of changes becomes one reload.
import { dirname, resolve } from "node:path";

/** A running watch; stop it to end it. */
export interface SourceWatch {
  stop(): void;
}

/** Calls `onChange` once per burst of file changes under the entry's folder, `debounceMs` after the last. */
export function watchSources(
  entry: string,
  onChange: (paths: string[]) => void,
  options: { debounceMs?: number } = {},
): SourceWatch {
  const debounceMs = options.debounceMs ?? 150;
  const watcher = Deno.watchFs(dirname(resolve(entry)), { recursive: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let changed = new Set<string>();
  (async () => {
    try {
      for await (const event of watcher) {
        if (event.kind === "access" || event.kind === "other") continue;
        for (const path of event.paths) changed.add(path);
        clearTimeout(timer);
        timer = setTimeout(() => {
          const paths = [...changed];
          changed = new Set();
          onChange(paths);
        }, debounceMs);
      }
    } catch {
      // The watcher was closed.
    }
  })();
  return {
    stop() {
      clearTimeout(timer);
      try {
        watcher.close();
      } catch {
        // Already closed.
      }
    },
  };
}
