// A request body read up to a limit counted on the bytes read (and again after gzip is undone).

/** A body over the limit: the receiver answers 413. */
export class BodyTooLargeError extends Error {
  /** Creates the error for `limit` bytes. */
  constructor(limit: number) {
    super(`the body is over ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** A body the receiver cannot read as sent (unknown encoding, broken gzip): it answers 400 or 415. */
export class BodyEncodingError extends Error {
  /** Creates the error with what was wrong. */
  constructor(message: string, readonly status: 400 | 415) {
    super(message);
    this.name = "BodyEncodingError";
  }
}

/** The body's bytes, at most `limit` of them before and after `Content-Encoding: gzip` is undone. */
export async function readBody(
  request: Request,
  limit: number,
): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await request.body?.cancel();
    throw new BodyTooLargeError(limit);
  }
  const encoding = (request.headers.get("content-encoding") ?? "identity")
    .toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip") {
    await request.body?.cancel();
    throw new BodyEncodingError(
      `Content-Encoding "${encoding}" is not supported: send identity or gzip`,
      415,
    );
  }
  if (request.body === null) return new Uint8Array();
  const raw = _limited(request.body, limit);
  if (encoding === "identity") return await _collect(raw);
  try {
    return await _collect(
      _limited(
        raw.pipeThrough(
          new DecompressionStream("gzip") as unknown as TransformStream<
            Uint8Array,
            Uint8Array
          >,
        ),
        limit,
      ),
    );
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw error;
    throw new BodyEncodingError(
      `the gzip body is broken: ${
        error instanceof Error ? error.message : error
      }`,
      400,
    );
  }
}

function _limited(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): ReadableStream<Uint8Array> {
  let read = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > limit) throw new BodyTooLargeError(limit);
        controller.enqueue(chunk);
      },
    }),
  );
}

async function _collect(
  stream: ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
