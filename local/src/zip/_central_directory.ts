// The central directory's records: each entry's name, kind, mode, sizes, CRC and where its data is.
import type { DirectoryLocation } from "./_end_record.ts";
import type { ByteSource } from "./_source.ts";
import { corrupt, u16, u32, u64 } from "./_bytes.ts";
import { pause } from "./_pause.ts";

/** What an entry is on disk. */
export type EntryKind = "file" | "directory" | "symlink";

/** One central directory record, as the reader uses it. */
export interface CentralEntry {
  /** The name's bytes, as recorded (the local header must repeat them). */
  nameBytes: Uint8Array;
  /** The name, decoded as UTF-8. */
  name: string;
  kind: EntryKind;
  /** The permission bits recorded for Unix (0 when the zip was not made there). */
  mode: number;
  /** 0 stored, 8 deflated. */
  method: number;
  crc: number;
  /** The declared sizes: what the data must inflate to exactly. */
  compressedSize: number;
  size: number;
  /** Where the entry's local header is. */
  localOffset: number;
}

const _SIGNATURE = 0x02014b50;
const _UNIX = 3;
const _TYPE = 0o170000;
/** Link and folder types; any other (a FIFO's, when zip read stdin) is written as a plain file, as unzip does. */
const _TYPES: Record<number, EntryKind> = {
  0o040000: "directory",
  0o120000: "symlink",
};

/** Reads the `location.count` records of the central directory, refusing any that is damaged, encrypted or of an unknown method. */
export async function readCentralDirectory(
  source: ByteSource,
  location: DirectoryLocation,
): Promise<CentralEntry[]> {
  const bytes = await source.read(location.offset, location.size);
  const entries: CentralEntry[] = [];
  let at = 0;
  for (let i = 0; i < location.count; i++) {
    if (u32(bytes, at) !== _SIGNATURE) {
      corrupt("has a damaged central directory");
    }
    const nameLength = u16(bytes, at + 28);
    const extraLength = u16(bytes, at + 30);
    const next = at + 46 + nameLength + extraLength + u16(bytes, at + 32);
    if (next > bytes.length) corrupt("has a damaged central directory");
    entries.push(_entry(bytes, at, nameLength, extraLength));
    at = next;
    // A directory of a million records is parsed in slices, letting other work run between them.
    if (i % 4096 === 4095) await pause();
  }
  if (at !== bytes.length) corrupt("has bytes left in its central directory");
  return entries;
}

function _entry(
  bytes: Uint8Array,
  at: number,
  nameLength: number,
  extraLength: number,
): CentralEntry {
  const flags = u16(bytes, at + 8);
  // Bit 0 is encryption, bit 6 strong encryption; Lambda cannot read either.
  if (flags & 0x41) corrupt("holds an encrypted entry");
  const method = u16(bytes, at + 10);
  if (method !== 0 && method !== 8) {
    corrupt(`uses compression method ${method}`);
  }
  const nameBytes = bytes.slice(at + 46, at + 46 + nameLength);
  const name = new TextDecoder().decode(nameBytes);
  const unix = bytes[at + 5] === _UNIX ? u32(bytes, at + 38) >>> 16 : 0;
  const kind = name.endsWith("/")
    ? "directory"
    : _TYPES[unix & _TYPE] ?? "file";
  const sizes = _zip64Sizes(bytes, at, nameLength, extraLength);
  return {
    nameBytes,
    name,
    kind,
    mode: unix & 0o7777,
    method,
    crc: u32(bytes, at + 16),
    ...sizes,
  };
}

/** The sizes and offset, from the zip64 extra field for those the record marks 0xFFFFFFFF. */
function _zip64Sizes(
  bytes: Uint8Array,
  at: number,
  nameLength: number,
  extraLength: number,
): { compressedSize: number; size: number; localOffset: number } {
  let size = u32(bytes, at + 24);
  let compressedSize = u32(bytes, at + 20);
  let localOffset = u32(bytes, at + 42);
  if (u16(bytes, at + 34) !== 0) corrupt("spans disks");
  const extra = bytes.subarray(
    at + 46 + nameLength,
    at + 46 + nameLength + extraLength,
  );
  const wide = [size, compressedSize, localOffset].some((v) =>
    v === 0xffffffff
  );
  for (let field = 0; field + 4 <= extra.length && wide;) {
    const id = u16(extra, field);
    const length = u16(extra, field + 2);
    if (id === 0x0001) {
      const data = extra.subarray(field + 4, field + 4 + length);
      let read = 0;
      const next = () => u64(data, (read += 8) - 8);
      if (size === 0xffffffff) size = next();
      if (compressedSize === 0xffffffff) compressedSize = next();
      if (localOffset === 0xffffffff) localOffset = next();
      return { size, compressedSize, localOffset };
    }
    field += 4 + length;
  }
  if (wide) corrupt("marks a zip64 size with no zip64 field");
  return { size, compressedSize, localOffset };
}
