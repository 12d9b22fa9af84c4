/**
 * Shrinks a screenshot PNG to a thumbnail: decodes 8-bit RGB/RGBA/grey, non-interlaced PNGs
 * (what both engines' screendump writes), box-filters down to a maximum width and encodes an
 * RGB PNG. Built on node:zlib so the main process needs no image package.
 */
import { deflateSync, inflateSync } from 'node:zlib';

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decoded pixels: RGB, 3 bytes per pixel, rows packed. */
export interface RgbImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = (crcTable[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Whether `data` starts with the PNG signature. */
export function isPng(data: Uint8Array): boolean {
  return data.length >= 8 && Buffer.from(data.subarray(0, 8)).equals(signature);
}

/** Decodes a PNG to RGB; throws on formats the thumbnailer does not handle. */
export function decodePng(data: Buffer): RgbImage {
  if (!isPng(data)) throw new Error('not a PNG image');
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (offset + 8 <= data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    const body = data.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      colorType = body[9] ?? -1;
      if (depth !== 8 || body[12] !== 0 || ![0, 2, 4, 6].includes(colorType)) throw new Error(`unsupported PNG (depth ${depth}, color type ${colorType}, interlace ${body[12]})`);
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (width === 0 || height === 0 || width * height > 64 << 20) throw new Error('PNG has no usable size');
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType as 0 | 2 | 4 | 6];
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length < (stride + 1) * height) throw new Error('PNG data is short');
  const rows = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const source = y * (stride + 1) + 1;
    const target = y * stride;
    for (let x = 0; x < stride; x++) {
      const value = raw[source + x] as number;
      const left = x >= channels ? (rows[target + x - channels] as number) : 0;
      const up = y > 0 ? (rows[target - stride + x] as number) : 0;
      const upLeft = y > 0 && x >= channels ? (rows[target - stride + x - channels] as number) : 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        predicted = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      rows[target + x] = (value + predicted) & 0xff;
    }
  }
  const pixels = new Uint8Array(width * height * 3);
  for (let index = 0; index < width * height; index++) {
    const from = index * channels;
    const grey = channels < 3;
    pixels[index * 3] = rows[from] as number;
    pixels[index * 3 + 1] = rows[grey ? from : from + 1] as number;
    pixels[index * 3 + 2] = rows[grey ? from : from + 2] as number;
  }
  return { width, height, pixels };
}

/** Shrinks an image (box filter) so it is at most `maxWidth` wide; never enlarges. */
export function shrink(image: RgbImage, maxWidth: number): RgbImage {
  if (image.width <= maxWidth) return image;
  const width = maxWidth;
  const height = Math.max(1, Math.round((image.height * maxWidth) / image.width));
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * image.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * image.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * image.width) / width));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const at = (sy * image.width + sx) * 3;
          r += image.pixels[at] as number;
          g += image.pixels[at + 1] as number;
          b += image.pixels[at + 2] as number;
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      const to = (y * width + x) * 3;
      pixels[to] = Math.round(r / count);
      pixels[to + 1] = Math.round(g / count);
      pixels[to + 2] = Math.round(b / count);
    }
  }
  return { width, height, pixels };
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** Encodes RGB pixels as a PNG. */
export function encodePng(image: RgbImage): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(image.width, 0);
  header.writeUInt32BE(image.height, 4);
  header[8] = 8;
  header[9] = 2;
  const stride = image.width * 3;
  const raw = Buffer.alloc((stride + 1) * image.height);
  for (let y = 0; y < image.height; y++) raw.set(image.pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** A thumbnail PNG at most `maxWidth` wide; the original when it cannot be decoded (it is still a PNG). */
export function thumbnailPng(png: Buffer, maxWidth: number): Buffer {
  try {
    const image = decodePng(png);
    return image.width <= maxWidth ? png : encodePng(shrink(image, maxWidth));
  } catch {
    return png;
  }
}
