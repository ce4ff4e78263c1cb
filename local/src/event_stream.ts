/**
 * AWS's event-stream framing (`application/vnd.amazon.eventstream`), as
 * `InvokeWithResponseStream` answers with it: each message is a prelude
 * (total length, headers length, CRC32 of those eight bytes), string
 * headers, the payload, and a CRC32 of all that came before.
 *
 * @module
 */

const _encoder = new TextEncoder();
const _TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC32 (IEEE) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = _TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One event-stream message with string headers. */
export function encodeMessage(
  headers: Record<string, string>,
  payload: Uint8Array,
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = _encoder.encode(name);
    const valueBytes = _encoder.encode(value);
    const header = new Uint8Array(
      1 + nameBytes.byteLength + 3 + valueBytes.byteLength,
    );
    header[0] = nameBytes.byteLength;
    header.set(nameBytes, 1);
    const at = 1 + nameBytes.byteLength;
    // Header value type 7: a string with a two-byte length.
    header[at] = 7;
    new DataView(header.buffer).setUint16(at + 1, valueBytes.byteLength);
    header.set(valueBytes, at + 3);
    parts.push(header);
  }
  const headersLength = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const total = 12 + headersLength + payload.byteLength + 4;
  const message = new Uint8Array(total);
  const view = new DataView(message.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headersLength);
  view.setUint32(8, crc32(message.subarray(0, 8)));
  let offset = 12;
  for (const part of parts) {
    message.set(part, offset);
    offset += part.byteLength;
  }
  message.set(payload, offset);
  view.setUint32(total - 4, crc32(message.subarray(0, total - 4)));
  return message;
}

/** A `PayloadChunk` event carrying part of the function's response. */
export function payloadChunk(bytes: Uint8Array): Uint8Array {
  return encodeMessage({
    ":event-type": "PayloadChunk",
    ":content-type": "application/octet-stream",
    ":message-type": "event",
  }, bytes);
}

/** What `InvokeComplete` reports. */
export interface InvokeComplete {
  ErrorCode?: string;
  ErrorDetails?: string;
  LogResult?: string;
}

/** The `InvokeComplete` event that ends the stream. */
export function invokeComplete(complete: InvokeComplete): Uint8Array {
  return encodeMessage({
    ":event-type": "InvokeComplete",
    ":content-type": "application/json",
    ":message-type": "event",
  }, _encoder.encode(JSON.stringify(complete)));
}
