// The bytes of a package, read by range: from memory, or from a Blob (a file, a response) a slice at a time.

/** A package's bytes as the reader takes them. */
export type ZipSource = Uint8Array | Blob;

/** Random access to a {@linkcode ZipSource}. */
export interface ByteSource {
  /** Its length in bytes. */
  readonly size: number;
  /** The bytes in `[offset, offset + length)`, clipped to the end. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Reads `source` by range. */
export function byteSource(source: ZipSource): ByteSource {
  if (source instanceof Uint8Array) {
    return {
      size: source.byteLength,
      read: (offset, length) =>
        Promise.resolve(source.subarray(offset, offset + length)),
    };
  }
  return {
    size: source.size,
    read: async (offset, length) =>
      new Uint8Array(
        await source.slice(offset, offset + length).arrayBuffer(),
      ),
  };
}
