// The import graph as `deno info --json` sees it from every entry: no cycle, a core that knows no feature, a runtime without npm.
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).href;

interface InfoModule {
  specifier: string;
  dependencies?: {
    code?: { specifier?: string };
    type?: { specifier?: string };
  }[];
}

/** Every module reachable from `entry`, each with what it imports. */
async function graph(entry: string): Promise<Map<string, string[]>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: new URL(ROOT).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: InfoModule[];
  };
  const edges = new Map<string, string[]>();
  for (const module of info.modules) {
    const targets = (module.dependencies ?? []).flatMap((dependency) =>
      [dependency.code?.specifier, dependency.type?.specifier].filter(
        (specifier): specifier is string => specifier !== undefined,
      )
    );
    edges.set(module.specifier, [...new Set(targets)]);
  }
  return edges;
}

/** Every module under src/ (its own graph, even one that no entry reaches), each with what it imports. */
async function sourceGraph(): Promise<Map<string, string[]>> {
  const modules: string[] = [];
  async function walk(directory: URL): Promise<void> {
    for await (const entry of Deno.readDir(directory)) {
      if (entry.isDirectory) await walk(new URL(`${entry.name}/`, directory));
      else if (/\.m?[jt]sx?$/.test(entry.name)) {
        modules.push(new URL(entry.name, directory).href);
      }
    }
  }
  await walk(new URL("src/", ROOT));
  // One entry that imports them all, so that one `deno info` sees every edge.
  const entry = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      entry,
      modules.map((module) => `import "${module}";\n`).join(""),
    );
    return await graph(entry);
  } finally {
    await Deno.remove(entry);
  }
}

function project(specifier: string): string | undefined {
  return specifier.startsWith(ROOT) ? specifier.slice(ROOT.length) : undefined;
}

/** One import cycle among the project's modules, as a path, or `undefined`. */
function findCycle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  function visit(node: string): string[] | undefined {
    state.set(node, "open");
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (project(next) === undefined) continue;
      if (state.get(next) === "open") {
        return [...path.slice(path.indexOf(next)), next].map((s) =>
          project(s)!
        );
      }
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  }
  for (const node of edges.keys()) {
    if (project(node) !== undefined && state.get(node) === undefined) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return undefined;
}

const config = JSON.parse(
  await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
) as { exports: Record<string, string> };

Deno.test("the import graph", async (t) => {
  for (const [name, entry] of Object.entries(config.exports)) {
    const edges = await graph(entry);

    await t.step(`${name} reaches no import cycle`, () => {
      assert.equal(findCycle(edges)?.join(" → "), undefined);
    });

    await t.step(`${name}: files under src/core import only src/core`, () => {
      for (const [from, targets] of edges) {
        if (!project(from)?.startsWith("src/core/")) continue;
        for (const target of targets) {
          const path = project(target);
          assert.ok(
            path?.startsWith("src/core/"),
            `${project(from)} imports ${path ?? target}`,
          );
        }
      }
    });
  }

  const runtime = await graph("mod.ts");
  await t.step(
    "the graph read from mod.ts holds the loop and the run()",
    () => {
      const paths = [...runtime.keys()].map(project);
      assert.ok(paths.includes("src/core/loop.ts"));
      assert.ok(paths.includes("src/run.ts"));
    },
  );

  await t.step("the runtime (mod.ts) reaches no npm package", () => {
    const npm = [...runtime.values()].flat().filter((s) =>
      s.startsWith("npm:")
    );
    assert.deepEqual(npm, []);
  });

  await t.step("the events entry's graph does show its npm types", async () => {
    // The same check finds npm: where it is expected, so it can fail.
    const events = await graph("src/events/mod.ts");
    assert.ok([...events.values()].flat().some((s) => s.startsWith("npm:")));
  });

  await t.step(
    "the runtime reaches nothing of the local Lambda or the tools",
    () => {
      const outside = [...runtime.keys()].map(project).filter((path) =>
        path?.startsWith("local/") || path?.startsWith("scripts/")
      );
      assert.deepEqual(outside, []);
    },
  );

  await t.step(
    "no module under src/ imports the local Lambda or the tools",
    async () => {
      const edges = await sourceGraph();
      assert.ok(edges.has(new URL("src/run.ts", ROOT).href));
      const imports = [...edges].flatMap(([from, targets]) =>
        project(from)?.startsWith("src/")
          ? targets.filter((target) =>
            /^(local|scripts)\//.test(project(target) ?? "")
          )
            .map((target) => `${project(from)} imports ${project(target)}`)
          : []
      );
      assert.deepEqual(imports, []);
    },
  );
});
