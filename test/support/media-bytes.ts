/**
 * Real media bytes built in tests: images in each format upstreams take, WAV and mp3 recordings,
 * and PDFs, small and made on the spot, so a test says exactly what size or length it sends.
 */

import { crc32, deflateSync } from 'node:zlib';

/**
 * A whole, valid PNG (signature, IHDR, IDAT, IEND, each chunk with its CRC) of raw `rows`: each
 * row its filter byte then its pixels, in 8-bit samples of `colourType` (0 grey, 2 RGB).
 */
export function encodePng(width: number, height: number, colourType: 0 | 2, rows: Buffer): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, colourType], 8); // 8-bit samples; no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG of `width`×`height` grey pixels. */
export function pngOf(width: number, height: number): Buffer {
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  for (let row = 0; row < height; row += 1) rows[row * (width + 1)] = 0; // each row's filter: none
  return encodePng(width, height, 0, rows);
}

/** A GIF89a: the logical screen gives the size; no image block, then the trailer. */
export function gifOf(width: number, height: number): Buffer {
  const bytes = Buffer.alloc(13);
  bytes.write('GIF89a', 0, 'latin1');
  bytes.writeUInt16LE(width, 6);
  bytes.writeUInt16LE(height, 8);
  return Buffer.concat([bytes, Buffer.from([0x3b])]);
}

/** A baseline JPEG's markers: SOI, APP0 (JFIF), SOF0 with the size, EOI. */
export function jpegOf(width: number, height: number): Buffer {
  const app0 = Buffer.from([
    0xff,
    0xe0,
    0x00,
    0x10,
    ...Buffer.from('JFIF\0', 'latin1'),
    1,
    1,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
  ]);
  const sof0 = Buffer.alloc(19);
  sof0.set([0xff, 0xc0, 0x00, 0x11, 0x08]);
  sof0.writeUInt16BE(height, 5);
  sof0.writeUInt16BE(width, 7);
  sof0.set([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1], 9);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof0, Buffer.from([0xff, 0xd9])]);
}

/** An extended WebP (a VP8X chunk): the canvas size as 24-bit values less one. */
export function webpOf(width: number, height: number): Buffer {
  const vp8x = Buffer.alloc(18);
  vp8x.write('VP8X', 0, 'latin1');
  vp8x.writeUInt32LE(10, 4);
  vp8x.writeUIntLE(width - 1, 12, 3);
  vp8x.writeUIntLE(height - 1, 15, 3);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + vp8x.length, 4);
  riff.write('WEBP', 8, 'latin1');
  return Buffer.concat([riff, vp8x]);
}

/**
 * A PCM WAV of `seconds` of silence: RIFF header, a `fmt ` chunk, a `LIST` chunk before the
 * data (as recorders write), then `data`. `unsetSize`: the data size left 0, as a recorder that
 * streamed the file leaves it.
 */
export function wavOf(
  seconds: number,
  { sampleRate = 16_000, channels = 1, unsetSize = false } = {},
): Buffer {
  const bytesPerSecond = sampleRate * channels * 2;
  const data = Buffer.alloc(Math.round(seconds * bytesPerSecond));
  const format = Buffer.alloc(24);
  format.write('fmt ', 0, 'latin1');
  format.writeUInt32LE(16, 4);
  format.writeUInt16LE(1, 8); // PCM
  format.writeUInt16LE(channels, 10);
  format.writeUInt32LE(sampleRate, 12);
  format.writeUInt32LE(bytesPerSecond, 16);
  format.writeUInt16LE(channels * 2, 20);
  format.writeUInt16LE(16, 22);
  const list = Buffer.concat([
    Buffer.from('LIST', 'latin1'),
    Buffer.from([5, 0, 0, 0]),
    Buffer.from('INFOx\0'),
  ]);
  const dataHeader = Buffer.alloc(8);
  dataHeader.write('data', 0, 'latin1');
  dataHeader.writeUInt32LE(unsetSize ? 0 : data.length, 4);
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), format, list, dataHeader, data]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

/**
 * An mp3 of `bytes` bytes: an ID3v2 tag, then MPEG-1 Layer III frame headers at `kbits` kbit/s
 * (one of that table's bitrates) with silent frames.
 */
export function mp3Of(bytes: number, kbits = 64): Buffer {
  const index = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320].indexOf(kbits);
  if (index <= 0) throw new Error(`no MPEG-1 Layer III bitrate of ${kbits} kbit/s`);
  const tag = Buffer.concat([
    Buffer.from('ID3', 'latin1'),
    Buffer.from([4, 0, 0, 0, 0, 0, 0, 20]),
    Buffer.alloc(20),
  ]);
  // 44.1 kHz, no padding: a frame is 144 × bitrate / sample rate bytes.
  const frameLength = Math.floor((144 * kbits * 1_000) / 44_100);
  const frame = Buffer.alloc(frameLength);
  frame.set([0xff, 0xfb, (index << 4) | 0x00, 0xc4]);
  const frames: Buffer[] = [];
  for (let size = tag.length; size < bytes; size += frameLength) frames.push(frame);
  return Buffer.concat([tag, ...frames]).subarray(0, bytes);
}

/** A PDF of `pages` empty pages whose objects are in plain sight (no object streams). */
export function pdfOf(pages: number): Buffer {
  const kids = Array.from({ length: pages }, (_, index) => `${index + 3} 0 R`).join(' ');
  const objects = [
    '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
    `2 0 obj\n<< /Type /Pages /Kids [${kids}] /Count ${pages} >>\nendobj\n`,
    ...Array.from(
      { length: pages },
      (_, index) =>
        // Both spellings writers use: `/Type /Page` and `/Type/Page`.
        `${index + 3} 0 obj\n<< /Type${index % 2 === 0 ? ' ' : ''}/Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n`,
    ),
  ];
  return Buffer.from(`%PDF-1.4\n${objects.join('')}trailer\n<< /Root 1 0 R >>\n%%EOF\n`, 'latin1');
}
