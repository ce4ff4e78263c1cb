// The control plane's layers: each name's versions, each unpacked once into a folder of the plane's, and
// how a function's Layers are resolved, checked against Lambda's limits, and merged into its /opt.
import { unpackZip } from "../../zip.ts";
import { invalidParameter } from "./errors.ts";

/** One published layer version. */
export interface LayerVersionRecord {
  readonly name: string;
  readonly version: number;
  readonly layerArn: string;
  readonly arn: string;
  readonly description: string;
  readonly createdDate: string;
  readonly compatibleRuntimes: readonly string[] | undefined;
  readonly compatibleArchitectures: readonly string[] | undefined;
  readonly licenseInfo: string | undefined;
  readonly codeSha256: string;
  readonly codeSize: number;
  /** The bytes its zip inflated to: counted with the function's against Lambda's 250 MB. */
  readonly unzipped: number;
  /** Its zip, checked at publish. */
  readonly zip: Uint8Array;
  /** Where it is unpacked, at its first use by a function: what Lambda would extract into /opt. */
  readonly dir: string;
  /** The unpacking, once begun. */
  unpacked?: Promise<void>;
}

/** The layer's folder, unpacked at the first call: a layer no function uses writes nothing. */
export async function unpackedLayer(
  layer: LayerVersionRecord,
): Promise<{ dir: string }> {
  layer.unpacked ??= unpackZip(layer.zip, layer.dir).then(() => {});
  await layer.unpacked;
  return { dir: layer.dir };
}

/** A layer name's versions; numbers are never given twice, even after a delete. */
export interface LayerRecord {
  serial: number;
  readonly versions: Map<number, LayerVersionRecord>;
}

/** Lambda's most layers on one function. */
export const MAX_LAYERS = 5;

/** The layer version ARN `arn` names in `layers`; `InvalidParameterValueException` as Lambda words it when there is none. */
export function layerVersionByArn(
  layers: ReadonlyMap<string, LayerRecord>,
  arn: string,
): LayerVersionRecord {
  const match =
    /^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:layer:([A-Za-z0-9_-]+):(\d+)$/
      .exec(arn);
  const found = match
    ? layers.get(match[1])?.versions.get(Number(match[2]))
    : undefined;
  if (found === undefined || found.arn !== arn) {
    throw invalidParameter(`Layer version ${arn} does not exist.`);
  }
  return found;
}

/** The layer versions a function's `Layers` name, checked: at most five, each existing, with the code under 250 MB unzipped. */
export function resolveLayers(
  layers: ReadonlyMap<string, LayerRecord>,
  arns: readonly string[],
  functionUnzipped: number,
  limit: number,
): LayerVersionRecord[] {
  if (arns.length > MAX_LAYERS) {
    throw invalidParameter(
      `Cannot reference more than ${MAX_LAYERS} layers.`,
    );
  }
  const found = arns.map((arn) => layerVersionByArn(layers, arn));
  assertUnzippedTotal(functionUnzipped, found, limit);
  return found;
}

/** Refuses code whose unzipped size with its layers' passes `limit`, in Lambda's words. */
export function assertUnzippedTotal(
  functionUnzipped: number,
  layers: readonly LayerVersionRecord[],
  limit: number,
): void {
  const total = layers.reduce((sum, layer) => sum + layer.unzipped, 0) +
    functionUnzipped;
  if (total > limit) {
    throw invalidParameter(
      `Function code combined with layers exceeds the maximum allowed size of ${limit} bytes. ` +
        `The actual size is ${total} bytes.`,
    );
  }
}

/**
 * The folder a function's layers make its /opt: none without layers, the one layer's own folder, or
 * (several) a new folder `merged` holding each in order, a later layer's file replacing an earlier one's.
 */
export async function optFolder(
  layers: readonly { readonly dir: string }[],
  merged: () => Promise<string>,
): Promise<string | undefined> {
  if (layers.length === 0) return undefined;
  if (layers.length === 1) return layers[0].dir;
  const dir = await merged();
  await Deno.mkdir(dir, { recursive: true });
  for (const layer of layers) {
    const { success } = await new Deno.Command("cp", {
      args: ["-a", "--remove-destination", `${layer.dir}/.`, `${dir}/`],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!success) throw new Error(`could not merge the layer in ${layer.dir}`);
  }
  return dir;
}
