// A process's output read as text as it comes: always drained, so the process never blocks on a full pipe.

/** The text read so far, and a way to wait for a pattern in it. */
export interface TextTail extends AsyncDisposable {
  /** Everything read so far. */
  readonly text: string;
  /** The first match of `pattern` in what was read, waiting for more as needed; throws with the text when the stream ends first. */
  match(pattern: RegExp): Promise<RegExpMatchArray>;
  /** All the text, once the stream has ended. */
  ended(): Promise<string>;
}

/** Starts reading `stream`; disposing stops reading it. */
export function tail(stream: ReadableStream<Uint8Array>): TextTail {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let done = false;
  let more = Promise.withResolvers<void>();
  const pump = (async () => {
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return;
        text += chunk.value;
        more.resolve();
        more = Promise.withResolvers<void>();
      }
    } finally {
      done = true;
      more.resolve();
    }
  })();
  // Whoever awaits it still sees a failure; nobody awaiting is no unhandled rejection.
  pump.catch(() => {});
  return {
    get text() {
      return text;
    },
    async match(pattern) {
      for (;;) {
        const found = text.match(pattern);
        if (found) return found;
        if (done) {
          throw new Error(`the output ended before ${pattern}:\n${text}`);
        }
        await more.promise;
      }
    },
    async ended() {
      await pump;
      return text;
    },
    async [Symbol.asyncDispose]() {
      await reader.cancel();
      await pump;
    },
  };
}
