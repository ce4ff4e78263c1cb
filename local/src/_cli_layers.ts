// The layers the CLI gives a built bootstrap: `--layer ZIP|DIR` (repeatable, in order), else the build's
// `layer.zip` beside it; unpacked by the one zip reader into a folder of their own, which becomes its /opt.
import { dirname } from "node:path";
import { InvalidZipError, unpackZip } from "../zip.ts";
import { optFolder } from "./_control_plane/layer_store.ts";

/** A built function's /opt, made from its layers. */
export interface CliOpt {
  /** The folder. */
  readonly dir: string;
  /** Which layers it holds, for the emulator's first lines. */
  readonly note: string;
  /** Removes what was unpacked. */
  close(): Promise<void>;
}

/** The layer named wrongly: not there, or not a zip Lambda can unpack. */
export class LayerInputError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "LayerInputError";
  }
}

/** The /opt of the built bootstrap `entry`: `given` layers, else `layer.zip` beside it; none without either. */
export async function cliOpt(
  entry: string,
  given: readonly string[],
): Promise<CliOpt | undefined> {
  const beside = `${dirname(entry)}/layer.zip`;
  const layers = given.length > 0
    ? given
    : await _isFile(beside)
    ? [beside]
    : [];
  if (layers.length === 0) return undefined;
  const work = await Deno.makeTempDir({ prefix: "rtl-lambda-opt-" });
  const close = () => Deno.remove(work, { recursive: true }).catch(() => {});
  try {
    const dirs = [];
    for (const [i, layer] of layers.entries()) {
      dirs.push({ dir: await _unpacked(layer, `${work}/${i}`) });
    }
    const dir = (await optFolder(dirs, () => Promise.resolve(`${work}/opt`)))!;
    const how = given.length > 0 ? "--layer" : "found beside the bootstrap";
    return { dir, note: `/opt: ${layers.join(", ")} (${how})`, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A layer's folder: a folder as is, a zip unpacked into `into`. */
async function _unpacked(layer: string, into: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(layer);
  } catch {
    throw new LayerInputError(`The layer ${layer} does not exist`);
  }
  if (info.isDirectory) return layer;
  try {
    await unpackZip(await Deno.readFile(layer), into);
  } catch (error) {
    if (!(error instanceof InvalidZipError)) throw error;
    throw new LayerInputError(
      `The layer ${layer} is not a zip Lambda can unpack: ${error.message}`,
    );
  }
  return into;
}

async function _isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
