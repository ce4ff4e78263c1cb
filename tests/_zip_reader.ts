// Reads a zip's central directory, where the Unix mode and the "made by" system live, and unpacks
// it as Lambda does: files written with the modes the archive records.
import { unzipSync } from "npm:fflate@0.8.2";

/** One central directory record. */
export interface ZipRecord {
  name: string;
  /** The "version made by" high byte: 3 is Unix. */
  system: number;
  /** The high 16 bits of the external attributes: type and permission bits. */
  unixMode: number;
  /** 8 is deflate. */
  method: number;
  /** The MS-DOS date and time fields, as written. */
  dosDate: number;
  dosTime: number;
  size: number;
}

/** The records in archive order. */
export function centralDirectory(zip: Uint8Array): ZipRecord[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error("no end of central directory record");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const records: ZipRecord[] = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) {
      throw new Error(`no central directory record at ${at}`);
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    records.push({
      name: new TextDecoder().decode(
        zip.subarray(at + 46, at + 46 + nameLength),
      ),
      system: view.getUint8(at + 5),
      unixMode: view.getUint32(at + 38, true) >>> 16,
      method: view.getUint16(at + 10, true),
      dosTime: view.getUint16(at + 12, true),
      dosDate: view.getUint16(at + 14, true),
      size: view.getUint32(at + 24, true),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return records;
}

/** Unpacks into `directory`, giving each file the permission bits the archive records. */
export async function unpack(
  zip: Uint8Array,
  directory: string,
): Promise<void> {
  const modes = new Map(
    centralDirectory(zip).map((record) => [record.name, record.unixMode]),
  );
  for (const [name, data] of Object.entries(unzipSync(zip))) {
    const path = `${directory}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(path, data);
    await Deno.chmod(path, (modes.get(name) ?? 0o644) & 0o777);
  }
}
