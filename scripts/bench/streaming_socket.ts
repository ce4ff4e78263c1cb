/**
 * The floor of the streaming bench: the same bytes, in the same 64 KiB
 * chunks, written to a bare socket. `deno run streaming_socket.ts PORT BYTES
 * RUNS`: per run, it connects, waits for one byte (the start signal), writes
 * and closes; one warm process, as the function is.
 *
 * @module
 */

const [port, bytes, runs] = Deno.args.map(Number);
const chunk = new Uint8Array(64 * 1024).fill(120);
for (let run = 0; run < runs; run++) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  await conn.read(new Uint8Array(1));
  for (let sent = 0; sent < bytes;) {
    const size = Math.min(chunk.byteLength, bytes - sent);
    let offset = 0;
    while (offset < size) {
      offset += await conn.write(chunk.subarray(offset, size));
    }
    sent += size;
  }
  conn.close();
}
