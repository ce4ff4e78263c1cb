// The end of central directory record, and the zip64 end record its locator points to: where the entries are listed.
import type { ByteSource } from "./_source.ts";
import { corrupt, u16, u32, u64 } from "./_bytes.ts";
import { EmptyZipError } from "./errors.ts";

/** Where the central directory is, as the end records agree. */
export interface DirectoryLocation {
  /** Its offset from the start of the file. */
  offset: number;
  /** Its length in bytes. */
  size: number;
  /** The number of entries. */
  count: number;
}

const _END = 0x06054b50;
const _LOCATOR = 0x07064b50;
const _END64 = 0x06064b50;
const _END_SIZE = 22;
const _LOCATOR_SIZE = 20;
const _MAX_COMMENT = 0xffff;

/** Finds the central directory; refuses an empty zip, and end records that disagree or point outside the file. */
export async function findDirectory(
  source: ByteSource,
): Promise<DirectoryLocation> {
  if (source.size === 0) throw new EmptyZipError();
  const tailStart = Math.max(0, source.size - _END_SIZE - _MAX_COMMENT);
  const tail = await source.read(tailStart, source.size - tailStart);
  const at = _endRecordIn(tail);
  if (at < 0) corrupt("has no end of central directory record");
  const classic = {
    disk: u16(tail, at + 4),
    directoryDisk: u16(tail, at + 6),
    diskCount: u16(tail, at + 8),
    count: u16(tail, at + 10),
    size: u32(tail, at + 12),
    offset: u32(tail, at + 16),
  };
  const endAt = tailStart + at;
  const locatorAt = endAt - _LOCATOR_SIZE;
  const locator = locatorAt >= 0
    ? await source.read(locatorAt, _LOCATOR_SIZE)
    : undefined;
  const zip64 = locator !== undefined && u32(locator, 0) === _LOCATOR;
  const location = zip64
    ? await _zip64(source, locator, locatorAt, classic)
    : { ...classic, directoryEnd: endAt };
  if (
    (classic.disk !== 0 && classic.disk !== 0xffff) ||
    classic.disk !== classic.directoryDisk ||
    (!zip64 && classic.diskCount !== classic.count)
  ) corrupt("spans disks");
  if (location.count === 0) {
    if (location.size !== 0) {
      corrupt("lists no entries in a non-empty directory");
    }
    throw new EmptyZipError();
  }
  if (location.offset + location.size !== location.directoryEnd) {
    corrupt("has a central directory that does not end at its end record");
  }
  if (location.count * 46 > location.size) {
    corrupt("lists more entries than its central directory holds");
  }
  return {
    offset: location.offset,
    size: location.size,
    count: location.count,
  };
}

/** The classic record's offset in `tail`: the last signature whose comment ends the file; -1 when none. */
function _endRecordIn(tail: Uint8Array): number {
  for (let at = tail.length - _END_SIZE; at >= 0; at--) {
    if (
      u32(tail, at) === _END &&
      at + _END_SIZE + (tail[at + 20] | tail[at + 21] << 8) === tail.length
    ) return at;
  }
  return -1;
}

/** The zip64 end record the locator names; each classic field not at its "see zip64" value must agree with it. */
async function _zip64(
  source: ByteSource,
  locator: Uint8Array,
  locatorAt: number,
  classic: { count: number; size: number; offset: number; diskCount: number },
): Promise<DirectoryLocation & { directoryEnd: number }> {
  const recordAt = u64(locator, 8);
  if (u32(locator, 4) !== 0 || u32(locator, 16) !== 1) corrupt("spans disks");
  if (recordAt + 56 > locatorAt) {
    corrupt("has a zip64 end record past its locator");
  }
  const record = await source.read(recordAt, 56);
  if (u32(record, 0) !== _END64) corrupt("has no zip64 end record");
  if (recordAt + 12 + u64(record, 4) !== locatorAt) {
    corrupt("has a zip64 end record that does not end at its locator");
  }
  if (u32(record, 16) !== 0 || u32(record, 20) !== 0) corrupt("spans disks");
  const count = u64(record, 32);
  const zip64 = {
    count,
    size: u64(record, 40),
    offset: u64(record, 48),
    directoryEnd: recordAt,
  };
  const agree = (value: number, sentinel: number, wide: number) =>
    value === sentinel || value === wide;
  if (
    u64(record, 24) !== count ||
    !agree(classic.count, 0xffff, count) ||
    !agree(classic.diskCount, 0xffff, count) ||
    !agree(classic.size, 0xffffffff, zip64.size) ||
    !agree(classic.offset, 0xffffffff, zip64.offset)
  ) corrupt("has end records that disagree");
  return zip64;
}
