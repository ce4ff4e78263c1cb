// A PNG read into RGBA pixels (8-bit RGB or RGBA, non-interlaced: what Chromium's --screenshot writes), so a test can look at what was drawn.

/** The decoded image: `width × height` pixels, 4 bytes each. */
export interface Pixels {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Decodes `bytes`; throws on a PNG this reader does not handle. */
export async function readPng(bytes: Uint8Array): Promise<Pixels> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let width = 0, height = 0, channels = 0;
  const data: Uint8Array[] = [];
  while (at < bytes.length) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, color, , , interlace] = body.subarray(8);
      if (depth !== 8 || (color !== 2 && color !== 6) || interlace !== 0) {
        throw new Error(
          `unsupported PNG: depth ${depth}, color ${color}, interlace ${interlace}`,
        );
      }
      channels = color === 6 ? 4 : 3;
    }
    if (type === "IDAT") data.push(body);
    at += 12 + length;
  }
  const raw = new Uint8Array(
    await new Response(
      new Blob(data as BlobPart[]).stream().pipeThrough(
        new DecompressionStream("deflate"),
      ),
    ).arrayBuffer(),
  );
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.slice(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? line[x - channels] : 0;
      const b = previous[x];
      const c = x >= channels ? previous[x - channels] : 0;
      line[x] = (line[x] + [0, a, b, (a + b) >> 1, _paeth(a, b, c)][filter]) &
        0xff;
    }
    for (let x = 0; x < width; x++) {
      out.set(
        line.subarray(x * channels, x * channels + 3),
        (y * width + x) * 4,
      );
      out[(y * width + x) * 4 + 3] = channels === 4
        ? line[x * channels + 3]
        : 255;
    }
    previous = line;
  }
  return { width, height, rgba: out };
}

function _paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** How many pixels have exactly the color `#rrggbb`. */
export function countColor(pixels: Pixels, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
  let count = 0;
  for (let at = 0; at < pixels.rgba.length; at += 4) {
    if (
      pixels.rgba[at] === r && pixels.rgba[at + 1] === g &&
      pixels.rgba[at + 2] === b
    ) count++;
  }
  return count;
}
