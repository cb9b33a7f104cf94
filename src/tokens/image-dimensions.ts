/**
 * An image's size in pixels, read from the header of its bytes: PNG, JPEG, GIF and WebP (the
 * formats OpenAI and Anthropic take). Every read is bounds-checked against the bytes given (a
 * view into a larger buffer is read only within itself); anything else is undefined.
 */

import type { ImageSize } from '../providers/spec.ts';

/** Undefined when the bytes are not one of those formats or their header is cut or broken. */
export function imageDimensions(data: Uint8Array): ImageSize | undefined {
  const size = pngSize(data) ?? gifSize(data) ?? webpSize(data) ?? jpegSize(data);
  return size !== undefined && size.width > 0 && size.height > 0 ? size : undefined;
}

const ascii = (data: Uint8Array, at: number, length: number) =>
  at + length <= data.byteLength ? String.fromCharCode(...data.subarray(at, at + length)) : '';
const view = (data: Uint8Array) => new DataView(data.buffer, data.byteOffset, data.byteLength);

function pngSize(data: Uint8Array): ImageSize | undefined {
  // The 8-byte signature, then the IHDR chunk: width and height, big-endian.
  if (data.byteLength < 24 || ascii(data, 1, 3) !== 'PNG' || ascii(data, 12, 4) !== 'IHDR') return undefined;
  return { width: view(data).getUint32(16), height: view(data).getUint32(20) };
}

function gifSize(data: Uint8Array): ImageSize | undefined {
  if (data.byteLength < 10 || !/^GIF8[79]a$/.test(ascii(data, 0, 6))) return undefined;
  return { width: view(data).getUint16(6, true), height: view(data).getUint16(8, true) };
}

function webpSize(data: Uint8Array): ImageSize | undefined {
  if (data.byteLength < 30 || ascii(data, 0, 4) !== 'RIFF' || ascii(data, 8, 4) !== 'WEBP') return undefined;
  const bytes = view(data);
  switch (ascii(data, 12, 4)) {
    case 'VP8 ': // lossy: after a 3-byte frame tag and the start code, 14-bit width and height
      return { width: bytes.getUint16(26, true) & 0x3fff, height: bytes.getUint16(28, true) & 0x3fff };
    case 'VP8L': {
      // lossless: after the 0x2f signature, width − 1 and height − 1 in 14 bits each
      const bits = bytes.getUint32(21, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    case 'VP8X': // extended: the canvas, 24-bit width − 1 and height − 1
      return {
        width: (bytes.getUint32(24, true) & 0xffffff) + 1,
        height: (bytes.getUint32(26, true) >>> 8) + 1,
      };
    default:
      return undefined;
  }
}

/** Start-of-frame markers (baseline, progressive, ...), which hold the size; not DHT, JPG, DAC. */
const START_OF_FRAME = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);

function jpegSize(data: Uint8Array): ImageSize | undefined {
  if (data.byteLength < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  const bytes = view(data);
  let at = 2;
  while (at + 4 <= data.byteLength) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // the image data began with no frame seen
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2; // markers without a length
      continue;
    }
    if (START_OF_FRAME.has(marker)) {
      if (at + 9 > data.byteLength) return undefined;
      return { width: bytes.getUint16(at + 7), height: bytes.getUint16(at + 5) };
    }
    at += 2 + bytes.getUint16(at + 2);
  }
  return undefined;
}
