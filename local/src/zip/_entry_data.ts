// An entry's bytes as they inflate: counted against the package's limit, held to the declared size, CRC checked at the end.
import type { CatalogEntry } from "./_catalog.ts";
import type { ByteSource } from "./_source.ts";
import { corrupt } from "./_bytes.ts";
import { crc32 } from "./_crc32.ts";
import { pause } from "./_pause.ts";
import { InvalidZipError, UnzippedSizeError } from "./errors.ts";

/** The bytes inflated so far across a package's entries, against its limit. */
export class InflateBudget {
  /** Bytes inflated so far. */
  inflated = 0;
  #sincePause = 0;

  /** A budget of `limit` bytes; `onInflate` hears each chunk's length. */
  constructor(
    readonly limit: number,
    readonly onInflate?: (bytes: number) => void,
  ) {}

  /** Counts `bytes` more, as inflated (whatever the entry's checks then say). */
  count(bytes: number): void {
    this.inflated += bytes;
    this.#sincePause += bytes;
    this.onInflate?.(bytes);
  }

  /** Refuses once past the limit, and lets the event loop turn every few megabytes. */
  async check(): Promise<void> {
    if (this.inflated > this.limit) throw new UnzippedSizeError(this.limit);
    if (this.#sincePause >= _PAUSE_EVERY) {
      this.#sincePause = 0;
      await pause();
    }
  }
}

const _PAUSE_EVERY = 4 * 1024 * 1024;
/** Compressed bytes fed to the inflater at a time: one step inflates to at most ~1032 times this. */
const _INFLATE_STEP = 8 * 1024;
const _READ_STEP = 256 * 1024;

/** The entry's inflated bytes, chunk by chunk; refused as soon as they pass the declared size or the budget, or when the CRC differs. */
export async function* entryData(
  source: ByteSource,
  entry: CatalogEntry,
  budget: InflateBudget,
): AsyncGenerator<Uint8Array> {
  let size = 0;
  let crc = 0;
  const raw = _compressed(source, entry);
  const chunks = entry.method === 0 ? raw : _inflate(raw, entry.name);
  for await (const chunk of chunks) {
    size += chunk.length;
    budget.count(chunk.length);
    if (size > entry.size) {
      corrupt(`inflates ${entry.name} past its ${entry.size} declared bytes`);
    }
    await budget.check();
    crc = crc32(chunk, crc);
    yield chunk;
  }
  if (size !== entry.size) {
    corrupt(
      `inflates ${entry.name} to ${size} of its ${entry.size} declared bytes`,
    );
  }
  if (crc !== entry.crc) corrupt(`has a bad CRC-32 for ${entry.name}`);
}

/** The entry's compressed bytes, read a slice at a time. */
async function* _compressed(
  source: ByteSource,
  entry: CatalogEntry,
): AsyncGenerator<Uint8Array> {
  const end = entry.dataOffset + entry.compressedSize;
  for (let at = entry.dataOffset; at < end; at += _READ_STEP) {
    const bytes = await source.read(at, Math.min(_READ_STEP, end - at));
    if (bytes.length === 0) corrupt(`ends inside ${entry.name}`);
    yield bytes;
  }
}

/** The same bytes in steps of `step`. */
async function* _steps(
  input: AsyncGenerator<Uint8Array>,
  step: number,
): AsyncGenerator<Uint8Array> {
  for await (const bytes of input) {
    for (let i = 0; i < bytes.length; i += step) {
      yield bytes.subarray(i, i + step);
    }
  }
}

/** Raw deflate through the platform's inflater, a small step of input at a time so no one step inflates much. */
async function* _inflate(
  input: AsyncGenerator<Uint8Array>,
  name: string,
): AsyncGenerator<Uint8Array> {
  const steps = _steps(input, _INFLATE_STEP) as AsyncIterable<BufferSource>;
  const output = ReadableStream.from(steps)
    .pipeThrough(
      new DecompressionStream("deflate-raw"),
    );
  const reader = output.getReader();
  try {
    while (true) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        if (error instanceof InvalidZipError) throw error;
        throw new InvalidZipError(`The zip's entry ${name} does not inflate`, {
          cause: error,
        });
      }
      if (result.done) return;
      yield result.value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
