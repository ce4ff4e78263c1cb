// Protocol Buffers' wire format, read only: varints, fixed64/fixed32, length-delimited fields.

/** Malformed OTLP input: the receiver answers it 400 with this message. */
export class OtlpDecodeError extends Error {
  /** Creates the error with what was wrong. */
  constructor(message: string) {
    super(message);
    this.name = "OtlpDecodeError";
  }
}

/** One field of a message: its number and its value by wire type. */
export type WireField =
  | { no: number; type: "varint"; value: bigint }
  | { no: number; type: "fixed64"; value: DataView }
  | { no: number; type: "bytes"; value: Uint8Array }
  | { no: number; type: "fixed32"; value: DataView };

/** The value of each wire type. */
export interface WireValue {
  varint: bigint;
  fixed64: DataView;
  bytes: Uint8Array;
  fixed32: DataView;
}

/** The fields of one message, in order; throws {@linkcode OtlpDecodeError} on malformed bytes. */
export function* fields(bytes: Uint8Array): Generator<WireField> {
  let at = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const take = (n: number) => {
    if (n > bytes.length - at) {
      throw new OtlpDecodeError(
        `truncated protobuf: a field needs ${n} bytes at offset ${at}, ${
          bytes.length - at
        } left`,
      );
    }
    const start = at;
    at += n;
    return start;
  };
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = bytes[take(1)];
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    throw new OtlpDecodeError(
      `malformed protobuf: a varint over 10 bytes at offset ${at}`,
    );
  };
  while (at < bytes.length) {
    const key = varint();
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no === 0) {
      throw new OtlpDecodeError(
        `malformed protobuf: field number 0 at offset ${at}`,
      );
    }
    if (wire === 0) yield { no, type: "varint", value: varint() };
    else if (wire === 1) {
      yield {
        no,
        type: "fixed64",
        value: new DataView(view.buffer, view.byteOffset + take(8), 8),
      };
    } else if (wire === 5) {
      yield {
        no,
        type: "fixed32",
        value: new DataView(view.buffer, view.byteOffset + take(4), 4),
      };
    } else if (wire === 2) {
      const length = varint();
      if (length > BigInt(bytes.length - at)) {
        throw new OtlpDecodeError(
          `truncated protobuf: field ${no} says ${length} bytes at offset ${at}, ${
            bytes.length - at
          } left`,
        );
      }
      const start = take(Number(length));
      yield { no, type: "bytes", value: bytes.subarray(start, at) };
    } else {
      throw new OtlpDecodeError(
        `malformed protobuf: wire type ${wire} (field ${no}) is not one OTLP uses`,
      );
    }
  }
}

const _utf8 = new TextDecoder("utf-8", { fatal: true });

/** A length-delimited field as UTF-8 text. */
export function text(field: WireField): string {
  const bytes = expect(field, "bytes");
  try {
    return _utf8.decode(bytes);
  } catch {
    throw new OtlpDecodeError(
      `malformed protobuf: field ${field.no} is not UTF-8 text`,
    );
  }
}

/** Bytes as lowercase hex (trace and span ids). */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A fixed64 field as an unsigned bigint (times in unix nanoseconds). */
export function fixed64(field: WireField): bigint {
  return expect(field, "fixed64").getBigUint64(0, true);
}

/** A varint field as a number (enums, counts). */
export function small(field: WireField): number {
  return Number(BigInt.asIntN(64, expect(field, "varint")));
}

/** The field's value, when it has the wire type its number means. */
export function expect<T extends WireField["type"]>(
  field: WireField,
  type: T,
): WireValue[T] {
  if (field.type !== type) {
    throw new OtlpDecodeError(
      `malformed protobuf: field ${field.no} is ${field.type}, expected ${type}`,
    );
  }
  return field.value as unknown as WireValue[T];
}
