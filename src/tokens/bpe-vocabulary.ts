/**
 * A byte-pair vocabulary (a tiktoken `.tiktoken` file) held in three typed arrays: every token's
 * bytes in one `Uint8Array`, where each rank's bytes start (`Uint32Array`, indexed by rank), and an
 * open-addressing hash table (`Int32Array`: FNV-1a over the bytes, power-of-two size, linear
 * probing) from bytes to rank. About 4 MB for o200k_base, and no JS object per token.
 */

/** Ranks of byte sequences. */
export interface Vocabulary {
  /** The rank of `bytes[start, end)`, or -1 when it is not a token. */
  rankOf(bytes: Uint8Array, start: number, end: number): number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const EMPTY = -1;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const PADDING = 0x3d; // '='

/** Six-bit values of the base64 alphabet by character code, 255 for anything else. */
const BASE64_VALUES = new Uint8Array(128).fill(255);
for (const [index, character] of [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
].entries()) {
  BASE64_VALUES[character.charCodeAt(0)] = index;
}

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let index = start; index < end; index++) {
    hash = Math.imul(hash ^ (bytes[index] as number), FNV_PRIME);
  }
  return hash >>> 0;
}

/**
 * Parses a `.tiktoken` file: one line per token, `<base64 of the token's bytes> <rank>`.
 * Throws on a malformed line or a repeated rank or token.
 */
export function parseVocabulary(file: Uint8Array): Vocabulary {
  // Three passes over the lines (ranks, lengths, bytes) keep nothing per line in memory.
  let maxRank = -1;
  let count = 0;
  forEachLine(file, (_start, _space, rank) => {
    maxRank = Math.max(maxRank, rank);
    count++;
  });
  // offsets[rank] .. offsets[rank + 1] are the rank's bytes (empty for a rank the file skips).
  const offsets = new Uint32Array(maxRank + 2);
  forEachLine(file, (start, space, rank) => {
    if (offsets[rank + 1] !== 0) throw new Error(`The vocabulary repeats rank ${rank}.`);
    offsets[rank + 1] = decodedLength(file, start, space);
  });
  for (let rank = 0; rank <= maxRank; rank++) {
    offsets[rank + 1] = (offsets[rank + 1] as number) + (offsets[rank] as number);
  }
  const bytes = new Uint8Array(offsets[maxRank + 1] as number);
  forEachLine(file, (start, space, rank) => decodeBase64(file, start, space, bytes, offsets[rank] as number));
  return indexVocabulary(bytes, offsets, count);
}

/**
 * The hash table over decoded tokens, and the lookup. A function of its own so that its closures,
 * which live as long as the vocabulary, cannot keep the file alive (closures share their function's
 * context, and the passes above capture `file`).
 */
function indexVocabulary(bytes: Uint8Array, offsets: Uint32Array, count: number): Vocabulary {
  const maxRank = offsets.length - 2;
  // Twice as many slots as tokens keeps linear probes short (load factor under one half).
  const size = 2 ** Math.ceil(Math.log2(Math.max(2, count * 2)));
  const mask = size - 1;
  const table = new Int32Array(size).fill(EMPTY);
  let maxLength = 0;
  const sameBytes = (rank: number, start: number, end: number, source: Uint8Array): boolean => {
    const tokenStart = offsets[rank] as number;
    if ((offsets[rank + 1] as number) - tokenStart !== end - start) return false;
    for (let index = 0; index < end - start; index++) {
      if (bytes[tokenStart + index] !== source[start + index]) return false;
    }
    return true;
  };
  for (let rank = 0; rank <= maxRank; rank++) {
    const start = offsets[rank] as number;
    const end = offsets[rank + 1] as number;
    if (start === end) continue;
    maxLength = Math.max(maxLength, end - start);
    let slot = hashBytes(bytes, start, end) & mask;
    for (let found = table[slot] as number; found !== EMPTY; found = table[slot] as number) {
      if (sameBytes(found, start, end, bytes)) throw new Error(`The vocabulary repeats token ${rank}.`);
      slot = (slot + 1) & mask;
    }
    table[slot] = rank;
  }

  return {
    rankOf(source, start, end) {
      if (end - start > maxLength) return EMPTY;
      let slot = hashBytes(source, start, end) & mask;
      for (let rank = table[slot] as number; rank !== EMPTY; rank = table[slot] as number) {
        if (sameBytes(rank, start, end, source)) return rank;
        slot = (slot + 1) & mask;
      }
      return EMPTY;
    },
  };
}

/** Calls `visit` with each non-empty line's start, the position of its space, and its rank. */
function forEachLine(file: Uint8Array, visit: (start: number, space: number, rank: number) => void): void {
  let position = 0;
  while (position < file.length) {
    let end = file.indexOf(NEWLINE, position);
    if (end === -1) end = file.length;
    if (end > position) {
      const space = file.indexOf(SPACE, position);
      if (space <= position || space >= end - 1)
        throw new Error(`Malformed vocabulary line at byte ${position}.`);
      let rank = 0;
      for (let index = space + 1; index < end; index++) {
        const digit = (file[index] as number) - 0x30;
        if (digit < 0 || digit > 9) throw new Error(`Malformed vocabulary rank at byte ${index}.`);
        rank = rank * 10 + digit;
      }
      visit(position, space, rank);
    }
    position = end + 1;
  }
}

function decodedLength(file: Uint8Array, start: number, end: number): number {
  let length = end - start;
  while (length > 0 && file[start + length - 1] === PADDING) length--;
  return Math.floor((length * 3) / 4);
}

function decodeBase64(file: Uint8Array, start: number, end: number, target: Uint8Array, at: number): void {
  let bits = 0;
  let bitCount = 0;
  let written = at;
  for (let index = start; index < end; index++) {
    const code = file[index] as number;
    if (code === PADDING) break;
    const value = code < 128 ? (BASE64_VALUES[code] as number) : 255;
    if (value === 255) throw new Error(`Malformed base64 in the vocabulary at byte ${index}.`);
    bits = ((bits << 6) | value) & 0xffffff;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      target[written++] = (bits >> bitCount) & 0xff;
    }
  }
}
