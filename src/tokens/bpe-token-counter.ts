/**
 * Token counts for OpenAI's byte-pair encodings (o200k_base, cl100k_base): tiktoken's
 * `encode_ordinary(text).length`, so special-token strings such as `<|endoftext|>` in user text
 * count as the ordinary text they are.
 *
 * Why not gpt-tokenizer's own counter: loading its o200k_base costs ~63 MB of RSS (16 MB of live
 * heap; the rest is V8 parsing a 2.4 MB array-literal module and a 200k-entry Map), the largest
 * single cost against a ~110 MB target for the whole server (tiktoken's wasm ~65 MB, js-tiktoken
 * ~190 MB, ai-tokenizer ~117 MB were no better). This one keeps the vocabulary in typed arrays
 * (`bpe-vocabulary.ts`, ~4 MB for o200k_base).
 *
 * The data still comes from gpt-tokenizer: OpenAI's vocabulary files (`gpt-tokenizer/data/*.tiktoken`)
 * and the pre-tokenizer split regexes (`gpt-tokenizer/encodingParams/constants`, a small module with
 * no imports); its encoders are the reference in the tests. It agrees with them everywhere but on
 * U+FEFF (the byte-order mark): one token here and in tiktoken, two in gpt-tokenizer, whose
 * TextDecoder drops it.
 */

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { parseVocabulary, type Vocabulary } from './bpe-vocabulary.ts';

export type Encoding = 'o200k_base' | 'cl100k_base';

const SPLIT_REGEXES: Readonly<Record<Encoding, RegExp>> = {
  o200k_base: O200K_TOKEN_SPLIT_REGEX,
  cl100k_base: CL100K_TOKEN_SPLIT_REGEX,
};

/** The rank of a pair that is not a token: larger than any rank. */
const NO_MERGE = 0x7fffffff;
/**
 * Pieces up to this many bytes merge by scanning for the lowest rank; longer ones use a heap. Measured
 * on random runs of letters and of symbols, the two cost the same at about 256 bytes.
 */
const SCAN_LIMIT = 256;
/** The reused UTF-8 buffer; longer pieces get their own. */
const SCRATCH_BYTES = 16 * 1024;
const TWO_TO_32 = 2 ** 32;
/**
 * The piece → count cache: at most 16,384 pieces of at most 12 UTF-16 units (under ~1 MB), emptied
 * when full. It skips the encode, lookup and merge of common words, ~1.4x faster on text it has not
 * seen. Pieces of 13 units and more are left out: V8 keeps those as slices of the whole text, which
 * the cache would then keep alive.
 */
const CACHE_ENTRIES = 16_384;
const CACHE_PIECE_LENGTH = 12;

/**
 * Loads an encoding's vocabulary and returns its token counter.
 *
 * @example
 * const count = await loadTokenCounter('o200k_base');
 * count('hello world'); // 2
 */
export async function loadTokenCounter(encoding: Encoding): Promise<(text: string) => number> {
  const path = fileURLToPath(import.meta.resolve(`gpt-tokenizer/data/${encoding}.tiktoken`));
  return createTokenCounter(parseVocabulary(await readFile(path)), SPLIT_REGEXES[encoding]);
}

function createTokenCounter(vocabulary: Vocabulary, splitRegex: RegExp): (text: string) => number {
  // A copy of its own: a global regex carries `lastIndex` between uses.
  const splitter = new RegExp(splitRegex.source, 'gu');
  const encoder = new TextEncoder();
  const scratch = new Uint8Array(SCRATCH_BYTES);
  const starts = new Int32Array(SCAN_LIMIT + 1);
  const ranks = new Int32Array(SCAN_LIMIT + 1);
  const cache = new Map<string, number>();

  return (text) => {
    let tokens = 0;
    splitter.lastIndex = 0;
    for (let match = splitter.exec(text); match !== null; match = splitter.exec(text)) {
      const piece = match[0];
      if (piece.length === 1 && piece.charCodeAt(0) < 0x80) {
        tokens++; // every byte is a token
        continue;
      }
      if (piece === '') {
        splitter.lastIndex++; // the patterns never match empty; never loop if one did
        continue;
      }
      const known = cache.get(piece);
      if (known !== undefined) {
        tokens += known;
        continue;
      }
      // A lone surrogate encodes as U+FFFD, as in gpt-tokenizer.
      const bytes = piece.length * 3 <= scratch.length ? scratch : new Uint8Array(piece.length * 3);
      const length = encoder.encodeInto(piece, bytes).written;
      let count: number;
      if (vocabulary.rankOf(bytes, 0, length) !== -1) {
        count = 1;
      } else if (length <= SCAN_LIMIT) {
        count = mergeByScan(vocabulary, bytes, length, starts, ranks);
      } else {
        count = mergeByHeap(vocabulary, bytes, length);
      }
      tokens += count;
      if (piece.length <= CACHE_PIECE_LENGTH) {
        if (cache.size >= CACHE_ENTRIES) cache.clear();
        cache.set(piece, count);
      }
    }
    return tokens;
  };
}

function pairRank(vocabulary: Vocabulary, bytes: Uint8Array, start: number, end: number): number {
  const rank = vocabulary.rankOf(bytes, start, end);
  return rank === -1 ? NO_MERGE : rank;
}

/**
 * Byte-pair merges `bytes[0, length)` and returns the number of parts: repeatedly joins the adjacent
 * pair of lowest rank (the leftmost on a tie), as tiktoken does. O(length²): for short pieces.
 */
function mergeByScan(
  vocabulary: Vocabulary,
  bytes: Uint8Array,
  length: number,
  starts: Int32Array,
  ranks: Int32Array,
): number {
  // Part i is bytes[starts[i], starts[i + 1]); ranks[i] is the rank of parts i and i + 1 joined.
  for (let index = 0; index < length; index++) {
    starts[index] = index;
    ranks[index] = index + 2 <= length ? pairRank(vocabulary, bytes, index, index + 2) : NO_MERGE;
  }
  starts[length] = length;
  let parts = length;
  while (parts > 1) {
    let lowest = NO_MERGE;
    let at = -1;
    for (let index = 0; index < parts - 1; index++) {
      const rank = ranks[index] as number;
      if (rank < lowest) {
        lowest = rank;
        at = index;
      }
    }
    if (at === -1) break;
    starts.copyWithin(at + 1, at + 2, parts + 1);
    ranks.copyWithin(at + 1, at + 2, parts);
    parts--;
    ranks[at] =
      at + 1 < parts ? pairRank(vocabulary, bytes, starts[at] as number, starts[at + 2] as number) : NO_MERGE;
    if (at > 0) {
      ranks[at - 1] = pairRank(vocabulary, bytes, starts[at - 1] as number, starts[at + 1] as number);
    }
  }
  return parts;
}

/**
 * The same merges in O(length · log length), for long pieces (a run of letters or symbols with no
 * space): parts in a linked list by start byte, candidate pairs in a min-heap keyed by
 * rank · 2³² + start (so the leftmost wins a tie), stale entries skipped when popped.
 */
function mergeByHeap(vocabulary: Vocabulary, bytes: Uint8Array, length: number): number {
  const next = new Int32Array(length);
  const previous = new Int32Array(length);
  // The rank of the part starting here joined with the next one; NO_MERGE once joined into another.
  const rankAt = new Int32Array(length);
  // Each merge pops at least one entry and pushes at most two: never more than 2 · length entries.
  const heap = new Float64Array(2 * length);
  let size = 0;
  const push = (rank: number, start: number): void => {
    const key = rank * TWO_TO_32 + start;
    let index = size++;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentKey = heap[parent] as number;
      if (parentKey <= key) break;
      heap[index] = parentKey;
      index = parent;
    }
    heap[index] = key;
  };
  const pop = (): number => {
    const top = heap[0] as number;
    const last = heap[--size] as number;
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      if (child + 1 < size && (heap[child + 1] as number) < (heap[child] as number)) child++;
      if ((heap[child] as number) >= last) break;
      heap[index] = heap[child] as number;
      index = child;
    }
    heap[index] = last;
    return top;
  };

  for (let start = 0; start < length; start++) {
    next[start] = start + 1;
    previous[start] = start - 1;
    const rank = start + 2 <= length ? pairRank(vocabulary, bytes, start, start + 2) : NO_MERGE;
    rankAt[start] = rank;
    if (rank !== NO_MERGE) push(rank, start);
  }
  let parts = length;
  while (size > 0) {
    const key = pop();
    const rank = Math.floor(key / TWO_TO_32);
    const start = key - rank * TWO_TO_32;
    // A pair only grows, so its rank changes whenever it does: an entry whose rank is not the
    // current one is stale.
    if (rankAt[start] !== rank) continue;
    const joined = next[start] as number;
    const after = next[joined] ?? length;
    rankAt[joined] = NO_MERGE;
    next[start] = after;
    if (after < length) previous[after] = start;
    parts--;
    const rankHere = after < length ? pairRank(vocabulary, bytes, start, next[after] as number) : NO_MERGE;
    rankAt[start] = rankHere;
    if (rankHere !== NO_MERGE) push(rankHere, start);
    if (start > 0) {
      const before = previous[start] as number;
      const rankBefore = pairRank(vocabulary, bytes, before, after);
      rankAt[before] = rankBefore;
      if (rankBefore !== NO_MERGE) push(rankBefore, before);
    }
  }
  return parts;
}
