/**
 * How long a recording lasts, from its bytes: a WAV's header says it exactly (the data chunk's
 * size over the bytes per second of its format); an mp3's length is estimated from its size and
 * the bitrate of its first frame (128 kbit/s when no frame header is found).
 */

const DEFAULT_MP3_BITRATE = 128_000;
/** Bitrates in kbit/s by the frame header's index: MPEG-1 Layer III, then MPEG-2/2.5 Layer III. */
const MPEG1_LAYER3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MPEG2_LAYER3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
/** How far into the bytes (after an ID3 tag) the first frame header is looked for. */
const FRAME_SEARCH_BYTES = 4_096;

/** Seconds of audio: a WAV's from its header; anything else's from its size, as an mp3's. */
export function audioSeconds(data: Uint8Array): number {
  return wavSeconds(data) ?? (data.byteLength * 8) / mp3Bitrate(data);
}

const ascii = (data: Uint8Array, at: number, length: number) =>
  String.fromCharCode(...data.subarray(at, at + length));

/** Undefined when the bytes are not a RIFF WAVE file with a format and a data chunk. */
export function wavSeconds(data: Uint8Array): number | undefined {
  if (data.byteLength < 12 || ascii(data, 0, 4) !== 'RIFF' || ascii(data, 8, 4) !== 'WAVE') return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let bytesPerSecond: number | undefined;
  for (let at = 12; at + 8 <= data.byteLength; ) {
    const id = ascii(data, at, 4);
    const size = view.getUint32(at + 4, true);
    if (id === 'fmt ' && at + 20 <= data.byteLength) bytesPerSecond = view.getUint32(at + 16, true);
    if (id === 'data') {
      if (bytesPerSecond === undefined || bytesPerSecond === 0) return undefined;
      // A recorder that streamed the file may leave the size unset: the rest of the bytes are data.
      const available = data.byteLength - (at + 8);
      return Math.min(size === 0 ? available : size, available) / bytesPerSecond;
    }
    at += 8 + size + (size % 2);
  }
  return undefined;
}

/** Bits per second of the first MPEG audio frame found, or 128 kbit/s. */
export function mp3Bitrate(data: Uint8Array): number {
  let start = 0;
  // An ID3v2 tag first: 10 bytes of header, then its size in four 7-bit bytes.
  if (data.byteLength >= 10 && ascii(data, 0, 3) === 'ID3') {
    start = 10 + (((data[6] ?? 0) << 21) | ((data[7] ?? 0) << 14) | ((data[8] ?? 0) << 7) | (data[9] ?? 0));
  }
  const end = Math.min(data.byteLength - 3, start + FRAME_SEARCH_BYTES);
  for (let at = start; at < end; at += 1) {
    const second = data[at + 1] ?? 0;
    // 11 sync bits, then the version (not the reserved 01) and Layer III (01).
    if (data[at] !== 0xff || (second & 0xe0) !== 0xe0 || (second & 0x18) === 0x08 || (second & 0x06) !== 0x02)
      continue;
    const index = ((data[at + 2] ?? 0) >> 4) & 0x0f;
    const table = (second & 0x18) === 0x18 ? MPEG1_LAYER3 : MPEG2_LAYER3;
    const kbits = table[index];
    if (kbits !== undefined && kbits > 0) return kbits * 1_000;
  }
  return DEFAULT_MP3_BITRATE;
}
