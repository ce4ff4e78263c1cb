// Zips written byte by byte, so a test can make each lie a malicious archive tells: sizes, CRCs, names, links, end records.
import { crc32 } from "node:zlib";

/** One entry as the archive will record it; every field a lie can take is open. */
export interface RawEntry {
  name: string;
  /** The bytes the entry holds (inflated); deflated when `method` is 8. */
  data?: Uint8Array;
  /** The bytes written as the entry's data instead of `data` (already deflated). */
  payload?: Uint8Array;
  method?: 0 | 8;
  /** The CRC-32 recorded; `data`'s by default. */
  crc?: number;
  /** The unzipped size recorded; `data`'s length by default. */
  size?: number;
  /** Unix type and permission bits (0o100644 by default; 0o120777 for a symlink). */
  mode?: number;
  /** The name the local header records; `name` by default. */
  localName?: string;
  /** Sizes and offset through the zip64 extra field. */
  zip64?: boolean;
}

/** What the end records say; any field may be changed from the truth. */
export interface RawEnd {
  /** Write a zip64 end record and locator (with the classic fields at 0xFFFF…). */
  zip64?: boolean;
  /** Changes the zip64 record's fields: count, directory size and offset. */
  zip64Fields?: (fields: EndFields) => EndFields;
  /** Changes the classic record's fields. */
  classicFields?: (fields: EndFields) => EndFields;
}

/** The fields both end records carry. */
export interface EndFields {
  count: number;
  size: number;
  offset: number;
}

const encoder = new TextEncoder();

/** Deflates `data` (raw deflate, as zips hold it). */
export async function deflate(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(
      new Blob([data as BlobPart]).stream().pipeThrough(
        new CompressionStream("deflate-raw"),
      ),
    ).arrayBuffer(),
  );
}

/** Deflates `size` zero bytes without holding them: a bomb's payload. */
export async function deflatedZeros(size: number): Promise<Uint8Array> {
  const chunk = new Uint8Array(1024 * 1024);
  const stream = new ReadableStream<BufferSource>({
    pull(controller) {
      const length = Math.min(chunk.length, size);
      size -= length;
      if (length === 0) controller.close();
      else controller.enqueue(chunk.subarray(0, length));
    },
  });
  return new Uint8Array(
    await new Response(
      stream.pipeThrough(new CompressionStream("deflate-raw")),
    ).arrayBuffer(),
  );
}

/** An entry of `size` zeros, deflated and its CRC-32 true, without ever holding them: it inflates to `size`. */
export async function zerosEntry(
  name: string,
  size: number,
): Promise<RawEntry> {
  const chunk = new Uint8Array(1024 * 1024);
  let crc = 0;
  for (let left = size; left > 0; left -= chunk.length) {
    crc = crc32(chunk.subarray(0, Math.min(chunk.length, left)), crc);
  }
  return { name, payload: await deflatedZeros(size), method: 8, size, crc };
}

/** Writes the archive: local headers and data, the central directory, then the end records. */
export async function rawZip(
  entries: RawEntry[],
  end: RawEnd = {},
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = entry.data ?? new Uint8Array();
    const method = entry.method ?? 0;
    const payload = entry.payload ??
      (method === 8 ? await deflate(data) : data);
    const fields = {
      method,
      crc: entry.crc ?? crc32(data),
      compressed: payload.length,
      size: entry.size ?? data.length,
      offset,
      mode: entry.mode ?? 0o100644,
      zip64: entry.zip64 === true,
    };
    const local = _local(entry.localName ?? entry.name, fields);
    parts.push(local, payload);
    central.push(_central(entry.name, fields));
    offset += local.length + payload.length;
  }
  const directory = _concat(central);
  const truth = { count: entries.length, size: directory.length, offset };
  parts.push(directory, ..._ends(truth, offset + directory.length, end));
  return _concat(parts);
}

interface _Fields {
  method: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  mode: number;
  zip64: boolean;
}

function _local(name: string, f: _Fields): Uint8Array {
  const nameBytes = encoder.encode(name);
  const bytes = new Uint8Array(30 + nameBytes.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x04034b50, true);
  view.setUint16(4, f.zip64 ? 45 : 20, true);
  view.setUint16(8, f.method, true);
  view.setUint32(14, f.crc, true);
  view.setUint32(18, f.zip64 ? 0xffffffff : f.compressed, true);
  view.setUint32(22, f.zip64 ? 0xffffffff : f.size, true);
  view.setUint16(26, nameBytes.length, true);
  bytes.set(nameBytes, 30);
  return bytes;
}

function _central(name: string, f: _Fields): Uint8Array {
  const nameBytes = encoder.encode(name);
  const extra = f.zip64 ? 28 : 0;
  const bytes = new Uint8Array(46 + nameBytes.length + extra);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x02014b50, true);
  view.setUint16(4, 0x0300 | 45, true); // made by Unix
  view.setUint16(6, f.zip64 ? 45 : 20, true);
  view.setUint16(10, f.method, true);
  view.setUint32(16, f.crc, true);
  view.setUint32(20, f.zip64 ? 0xffffffff : f.compressed, true);
  view.setUint32(24, f.zip64 ? 0xffffffff : f.size, true);
  view.setUint16(28, nameBytes.length, true);
  view.setUint16(30, extra, true);
  view.setUint32(38, (f.mode << 16) >>> 0, true);
  view.setUint32(42, f.zip64 ? 0xffffffff : f.offset, true);
  bytes.set(nameBytes, 46);
  if (f.zip64) {
    const at = 46 + nameBytes.length;
    view.setUint16(at, 0x0001, true);
    view.setUint16(at + 2, 24, true);
    view.setBigUint64(at + 4, BigInt(f.size), true);
    view.setBigUint64(at + 12, BigInt(f.compressed), true);
    view.setBigUint64(at + 20, BigInt(f.offset), true);
  }
  return bytes;
}

function _ends(truth: EndFields, at: number, end: RawEnd): Uint8Array[] {
  const records: Uint8Array[] = [];
  if (end.zip64) {
    const fields = end.zip64Fields?.(truth) ?? truth;
    const record = new Uint8Array(56);
    const view = new DataView(record.buffer);
    view.setUint32(0, 0x06064b50, true);
    view.setBigUint64(4, 44n, true);
    view.setUint16(12, 45, true);
    view.setUint16(14, 45, true);
    view.setBigUint64(24, BigInt(fields.count), true);
    view.setBigUint64(32, BigInt(fields.count), true);
    view.setBigUint64(40, BigInt(fields.size), true);
    view.setBigUint64(48, BigInt(fields.offset), true);
    const locator = new Uint8Array(20);
    const locatorView = new DataView(locator.buffer);
    locatorView.setUint32(0, 0x07064b50, true);
    locatorView.setBigUint64(8, BigInt(at), true);
    locatorView.setUint32(16, 1, true);
    records.push(record, locator);
  }
  const wide = { count: 0xffff, size: 0xffffffff, offset: 0xffffffff };
  const fields = end.classicFields?.(truth) ?? (end.zip64 ? wide : truth);
  const record = new Uint8Array(22);
  const view = new DataView(record.buffer);
  view.setUint32(0, 0x06054b50, true);
  view.setUint16(8, fields.count, true);
  view.setUint16(10, fields.count, true);
  view.setUint32(12, fields.size, true);
  view.setUint32(16, fields.offset, true);
  records.push(record);
  return records;
}

function _concat(parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}
