// Entry names and symlink targets as paths inside the function's folder: nothing may reach out of it.
import type { CentralEntry } from "./_central_directory.ts";
import { InvalidZipError } from "./errors.ts";

/** An entry with its checked path: relative, "/"-separated, no trailing slash. */
export type PlacedEntry = CentralEntry & { path: string };

/** Gives each entry its path; refuses absolute paths, `..`, backslashes, duplicates and a path under a file or symlink. */
export function placeEntries(entries: CentralEntry[]): PlacedEntry[] {
  const placed = entries.map((entry) => ({ ...entry, path: _path(entry) }));
  const kinds = new Map<string, string>();
  for (const entry of placed) {
    if (kinds.has(entry.path)) outside(entry.name, "is listed twice");
    kinds.set(entry.path, entry.kind);
  }
  for (const entry of placed) {
    const parts = entry.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const kind = kinds.get(parts.slice(0, i).join("/"));
      if (kind !== undefined && kind !== "directory") {
        outside(
          entry.name,
          `lies under the ${kind} ${parts.slice(0, i).join("/")}`,
        );
      }
    }
  }
  return placed;
}

function _path(entry: CentralEntry): string {
  const name = entry.kind === "directory"
    ? entry.name.replace(/\/$/, "")
    : entry.name;
  if (name === "" || name.includes("\0") || name.includes("\uFFFD")) {
    outside(entry.name, "is not a valid name");
  }
  // A backslash is a separator to Windows tools and a character to Linux: either reading may escape.
  if (name.includes("\\")) outside(entry.name, "holds a backslash");
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) {
    outside(entry.name, "is an absolute path");
  }
  if (
    name.split("/").some((part) => part === "" || part === "." || part === "..")
  ) {
    outside(entry.name, "holds an empty, . or .. part");
  }
  return name;
}

/** Throws the error for an entry that would land outside the folder, or on another. */
export function outside(name: string, why: string): never {
  throw new InvalidZipError(`The zip's entry ${name} ${why}`);
}
