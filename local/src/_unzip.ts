// Unpacks a deployment package as Lambda does: each file with the mode the archive records.
import { unzipSync } from "fflate";

/** A package that is not a zip, or holds a path outside its folder. */
export class InvalidZipError extends Error {
  /** Creates the error with what is wrong. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidZipError";
  }
}

/** Unpacks `zip` into `directory`; returns the unzipped size in bytes. */
export async function unpackZip(
  zip: Uint8Array,
  directory: string,
): Promise<number> {
  const modes = _modes(zip);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (error) {
    throw new InvalidZipError(
      `Could not unzip the uploaded file: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  let size = 0;
  for (const [name, data] of Object.entries(files)) {
    if (name.startsWith("/") || name.split("/").includes("..")) {
      throw new InvalidZipError(`The zip holds a path outside it: ${name}`);
    }
    const path = `${directory}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (name.endsWith("/")) continue;
    await Deno.writeFile(path, data);
    // Lambda's task root is read-only: no write bits.
    await Deno.chmod(path, (modes.get(name) || 0o644) & 0o555);
    size += data.byteLength;
  }
  return size;
}

/** The sum of the files' sizes the central directory records, without unpacking. */
export function unzippedSize(zip: Uint8Array): number {
  let total = 0;
  for (const entry of _entries(zip)) total += entry.size;
  return total;
}

/** The Unix modes of the central directory's records, by name. */
function _modes(zip: Uint8Array): Map<string, number> {
  return new Map(_entries(zip).map((entry) => [entry.name, entry.mode]));
}

/** The central directory's records: name, Unix mode (0 when not recorded), unzipped size. */
function _entries(
  zip: Uint8Array,
): { name: string; mode: number; size: number }[] {
  const entries: { name: string; mode: number; size: number }[] = [];
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new InvalidZipError("The uploaded file is not a zip");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const decoder = new TextDecoder();
  for (let i = 0; i < count && at + 46 <= zip.length; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) break;
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const name = decoder.decode(zip.subarray(at + 46, at + 46 + nameLength));
    const system = view.getUint8(at + 5);
    entries.push({
      name,
      mode: system === 3 ? view.getUint32(at + 38, true) >>> 16 : 0,
      size: view.getUint32(at + 24, true),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
