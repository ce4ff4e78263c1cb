/**
 * The function the streaming bench runs: `stream()` of `event.bytes` bytes
 * in 64 KiB chunks from one pre-filled buffer, so that only the transport
 * is measured.
 *
 * @module
 */

import { stream } from "../../mod.ts";

const chunk = new Uint8Array(64 * 1024).fill(120);

stream((event: { bytes: number }) => {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= event.bytes) return controller.close();
      const size = Math.min(chunk.byteLength, event.bytes - sent);
      controller.enqueue(chunk.subarray(0, size));
      sent += size;
    },
  }, { highWaterMark: 0 });
});
