// The TypeScript blocks of a docs page, and the import map that runs them as written: the published
// specifiers resolved to this checkout and unversioned npm: specifiers to the versions the lock pins.
import rootConfig from "../deno.json" with { type: "json" };

const root = new URL("../", import.meta.url);

/** The TypeScript blocks of a markdown file, as written. */
export function snippets(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

const lock = JSON.parse(
  await Deno.readTextFile(new URL("deno.lock", root)),
) as { specifiers: Record<string, string> };

/** An import map that resolves the docs' published specifiers to this checkout and the pinned npm versions. */
export function importMap(): Record<string, string> {
  const imports: Record<string, string> = {};
  for (const [entry, path] of Object.entries(rootConfig.exports)) {
    imports[`jsr:@rtl/lambda${entry.slice(1)}`] = new URL(path, root).href;
  }
  // The pinned versions are the lock's: an unversioned npm: specifier in a doc resolves to the one the project uses.
  for (const pinned of Object.keys(lock.specifiers)) {
    const name = pinned.match(/^npm:(@?[^@]+)@/)?.[1];
    if (name !== undefined) imports[`npm:${name}`] = pinned;
  }
  return imports;
}
