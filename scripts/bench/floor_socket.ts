/**
 * The socket floor: the fetch floor's loop over one `Deno.connect` socket
 * speaking just enough HTTP/1.1 for the Runtime API (content-length bodies,
 * one kept-alive connection). What a transport below `fetch` could reach.
 *
 * @module
 */

const host = Deno.env.get("AWS_LAMBDA_RUNTIME_API")!;
const [hostname, port] = host.split(":");
const conn = await Deno.connect({ hostname, port: Number(port) });
conn.setNoDelay(true);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const prefix = "/2018-06-01/runtime/invocation/";
const nextRequest = encoder.encode(
  `GET ${prefix}next HTTP/1.1\r\nhost: ${host}\r\n\r\n`,
);

let buffer = new Uint8Array(64 * 1024);
let start = 0;
let end = 0;

for (;;) {
  await write(nextRequest);
  const next = await readHead();
  const id = /^lambda-runtime-aws-request-id:\s*(\S+)/im.exec(next)![1];
  const event = await readBody(contentLength(next));
  const head = encoder.encode(
    `POST ${prefix}${id}/response HTTP/1.1\r\nhost: ${host}\r\ncontent-length: ${event.length}\r\n\r\n`,
  );
  if (event.length <= 64 * 1024) {
    const whole = new Uint8Array(head.length + event.length);
    whole.set(head);
    whole.set(event, head.length);
    await write(whole);
  } else {
    await write(head);
    await write(event);
  }
  const answer = await readHead();
  await readBody(contentLength(answer));
}

async function write(bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    done += await conn.write(bytes.subarray(done));
  }
}

async function fill(): Promise<void> {
  if (start === end) start = end = 0;
  if (end === buffer.length) {
    const room = start > 0 ? buffer : new Uint8Array(buffer.length * 2);
    room.set(buffer.subarray(start, end));
    end -= start;
    start = 0;
    buffer = room;
  }
  const read = await conn.read(buffer.subarray(end));
  if (read === null) Deno.exit(0);
  end += read;
}

async function readHead(): Promise<string> {
  for (let from = start;;) {
    for (let i = from; i + 3 < end; i++) {
      if (
        buffer[i] === 13 && buffer[i + 1] === 10 && buffer[i + 2] === 13 &&
        buffer[i + 3] === 10
      ) {
        const text = decoder.decode(buffer.subarray(start, i));
        start = i + 4;
        return text;
      }
    }
    const shift = start;
    from = Math.max(start, end - 3);
    await fill();
    from -= shift - start;
  }
}

function contentLength(head: string): number {
  const match = /^content-length:\s*(\d+)/im.exec(head);
  return match ? Number(match[1]) : 0;
}

async function readBody(length: number): Promise<Uint8Array> {
  const body = new Uint8Array(length);
  const buffered = Math.min(length, end - start);
  body.set(buffer.subarray(start, start + buffered));
  start += buffered;
  for (let filled = buffered; filled < length;) {
    const read = await conn.read(body.subarray(filled));
    if (read === null) Deno.exit(0);
    filled += read;
  }
  return body;
}
