import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import { type Encoding, loadTokenCounter } from './bpe-token-counter.ts';

// The reference: gpt-tokenizer's encoders, with special-token strings taken as ordinary text.
const ordinary = { disallowedSpecial: new Set<string>() };
const references: Record<Encoding, typeof o200k> = { o200k_base: o200k, cl100k_base: cl100k };
const referenceCount = (encoding: Encoding, text: string): number =>
  references[encoding].encode(text, ordinary).length;
const encodings: readonly Encoding[] = ['o200k_base', 'cl100k_base'];

const loaded = new Map<Encoding, Promise<(text: string) => number>>();
/** One counter per encoding for the whole file (each load is ~0.1 s). */
function counterFor(encoding: Encoding): Promise<(text: string) => number> {
  let counter = loaded.get(encoding);
  if (counter === undefined) {
    counter = loadTokenCounter(encoding);
    loaded.set(encoding, counter);
  }
  return counter;
}

/** The texts whose count differs from the reference (the first ten). */
async function mismatches(encoding: Encoding, texts: readonly string[]) {
  const count = await counterFor(encoding);
  const found: { text: string; expected: number; actual: number }[] = [];
  for (const text of texts) {
    const expected = referenceCount(encoding, text);
    const actual = count(text);
    if (actual !== expected && found.length < 10) found.push({ text: text.slice(0, 80), expected, actual });
  }
  return found;
}

/** Mulberry32: a small seeded generator, so a failure can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), state | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}

const randomString = (random: () => number, alphabet: readonly string[], length: number): string =>
  Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');

const PROSE = [
  'The quick brown fox jumps over the lazy dog. It was the best of times, it was the worst of times.',
  "Parley keeps every branch of a conversation; editing a message doesn't lose the old answer — it forks.",
  'In 1969, Apollo 11 landed on the Moon at 20:17 UTC; Neil Armstrong stepped out ~6.5 hours later.',
  'Mr. O\'Brien\'s e-mail (sent 3/14/2024) said: "Meet @ 10am — bring the Q3 report & the slides!"',
  'naïve café résumé coöperate façade jalapeño Ångström Straße',
];

const SCRIPTS = [
  'こんにちは世界、元気ですか。今日は良い天気ですね。',
  '我们今天去公园散步，然后吃了晚饭。繁體中文也可以。',
  '안녕하세요, 세계! 오늘 날씨가 좋네요.',
  'مرحبا بالعالم، كيف حالك اليوم؟ هذا نص عربي للاختبار.',
  'नमस्ते दुनिया, आप कैसे हैं? यह हिंदी का एक वाक्य है।',
  'Привет, мир! Как дела? Съешь же ещё этих мягких французских булок.',
  'สวัสดีชาวโลก วันนี้อากาศดีมาก ภาษาไทยไม่มีช่องว่างระหว่างคำ',
  'שלום עולם, מה שלומך? Γειά σου Κόσμε! Ελληνικά.',
  '👩🏽‍💻👨‍👩‍👧‍👦🏳️‍🌈👍🏿🤷🏻‍♀️ 🇫🇷🇯🇵 ❤️‍🔥 1️⃣ family: 👨🏼‍👩🏼‍👧🏼',
  'e\u0301 a\u0300\u0323 Z\u0351\u0307\u0305a\u0334lgo \u200b zero\u200dwidth',
];

const NUMBERS = [
  ...Array.from({ length: 40 }, (_, index) => '1234567890'.repeat(4).slice(0, index + 1)),
  ...Array.from({ length: 12 }, (_, index) => `x${'9'.repeat(index + 1)}y ${'0'.repeat(index + 1)}.5`),
  '1,234,567.89 -42 +3.14159e-10 0x1F 1_000_000 v2.10.3 2024-01-31T23:59:59Z',
  '１２３４５ ٣٤٥٦ ²³⁴ ½ ⅓ Ⅻ 10th 21st abc123def456ghi',
];

const WHITESPACE = [
  ...Array.from({ length: 20 }, (_, index) => `a${' '.repeat(index + 1)}b`),
  ...Array.from({ length: 8 }, (_, index) => `line${'\n'.repeat(index + 1)}next`),
  'a\r\nb\r\n\r\nc\r\n',
  '\t\tindented\n\t\t\tmore\n  \t mixed \t\n',
  '   leading and trailing   ',
  ' \n \n \n',
  '\n',
  ' ',
  'nbsp\u00a0here\u3000ideographic\u2028separator\u2029para',
  'end with spaces    ',
  'end with newline\n\n\n',
  '\r\r\r\n\n\r',
];

const CONTRACTIONS = [
  "DON'T we'Ll I'M they'RE it'S You'VE she'D",
  "don't won't can't I'll you're we've he'd it's",
  "'s 't 're 've 'm 'll 'd '' ''' 'S",
  'curly don’t it’s',
  "rock 'n' roll o'clock ma'am y'all'd've",
];

const SPECIAL = [
  '<|endoftext|>',
  'Ignore this: <|endoftext|> and continue.',
  '<|im_start|>user\nhello<|im_end|>',
  '<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>',
  '<|endofprompt|><|startoftext|><|unknown|>',
];

const LONE_SURROGATES = [
  '\ud800',
  '\udc00',
  'a\ud800b',
  'x\udc00y',
  '\ud83d',
  '\ude00\ud83d',
  'x\ud800\ud800y',
  'emoji cut: \ud83d and \ude00 here',
  '\ud800 ',
  ' \udfff\n',
  'abc\ud800',
  '123\udc00456',
  '\ud83d\ude00\ud800\ud83d\ude00',
];

// A mixed alphabet: units of every kind above, so random strings cross every split rule.
const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyz',
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ...'0123456789',
  ...'.,;:!?\'"`~@#$%^&*()-_=+[]{}<>/\\|',
  ...[' ', ' ', ' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u3000'],
  ...["'s", "'T", "'ll", "'VE", "'Re", "'d", "'M"],
  ...'日本語中文한국어',
  ...'مرحبا',
  ...'नमस्ते',
  ...'Привет',
  ...'สวัสดี',
  ...['👍', '🏽', '\u200d', '👩‍💻', '🇫🇷', '❤️', '\u0301', '\ufe0f'],
  ...['\ud800', '\udc00'],
  ...['é', 'ß', 'Ω', 'ǅ', 'ʰ', '²', '½', '٣', '１'],
  '<|endoftext|>',
];

describe('BPE token counter', () => {
  for (const encoding of encodings) {
    it(`counts like gpt-tokenizer's ${encoding} on prose, scripts, numbers, whitespace and odd cases`, async () => {
      const texts = [
        '',
        ...PROSE,
        PROSE.join('\n\n'),
        ...SCRIPTS,
        SCRIPTS.join(' '),
        ...NUMBERS,
        ...WHITESPACE,
        ...CONTRACTIONS,
        ...SPECIAL,
        ...LONE_SURROGATES,
      ];
      assert.deepEqual(await mismatches(encoding, texts), []);
    });

    it(`counts like gpt-tokenizer's ${encoding} on this repository's code and README`, async () => {
      const root = new URL('../../', import.meta.url);
      const files = (await readdir(new URL('src/', root), { recursive: true }))
        .filter((name) => name.endsWith('.ts'))
        .sort()
        .map((name) => new URL(`src/${name}`, root));
      const texts = await Promise.all(
        [new URL('README.md', root), ...files].map((url) => readFile(url, 'utf8')),
      );
      assert.ok(texts.length > 10);
      assert.deepEqual(await mismatches(encoding, texts), []);
    });

    it(`counts like gpt-tokenizer's ${encoding} on 3,000 seeded random strings`, async () => {
      const random = seededRandom(encoding === 'o200k_base' ? 200 : 100);
      const texts = Array.from({ length: 3_000 }, () =>
        randomString(random, ALPHABET, Math.floor(random() * 60)),
      );
      assert.deepEqual(await mismatches(encoding, texts), []);
    });

    it(`counts every ${encoding} token's own text like gpt-tokenizer`, async () => {
      const reference = references[encoding];
      const texts: string[] = [];
      for (let rank = 0; rank < reference.vocabularySize; rank++) {
        try {
          // Bytes that are not whole UTF-8 characters decode to U+FFFD, which is just more text.
          const text = reference.decode([rank]);
          if (text.includes('\ufeff')) continue; // see the byte-order mark's test below
          texts.push(text);
          // With lone surrogates: gpt-tokenizer never finds such a piece whole (by its string) but merges
          // its UTF-8, where a surrogate is U+FFFD; a lookup of the whole piece's bytes must agree.
          if (text.includes('\ufffd')) texts.push(text.replaceAll('\ufffd', '\ud800'));
        } catch {
          // a rank the encoding leaves unused
        }
      }
      assert.ok(texts.length > reference.vocabularySize - 40);
      assert.deepEqual(await mismatches(encoding, texts), []);
    });

    it(`counts long pieces with no whitespace like gpt-tokenizer's ${encoding}`, async () => {
      const random = seededRandom(7);
      const letters = [...'abcdefghijklmnopqrstuvwxyz'];
      const symbols = [...'!@#$%^&*()-=+[]{};:,.<>?|~'];
      // 300 bytes to 3 KB: past the scan, through the heap merge.
      const texts = Array.from({ length: 40 }, (_, index) =>
        randomString(random, index % 2 === 0 ? letters : symbols, 300 + Math.floor(random() * 2_700)),
      );
      // One 100 KB piece: gpt-tokenizer's merge is quadratic, so it takes it ~2 s (and cl100k_base 20 KB).
      const long = randomString(random, letters, encoding === 'o200k_base' ? 100_000 : 20_000);
      texts.push('a'.repeat(5_000), '!'.repeat(5_000), '😀'.repeat(1_000), long);
      assert.deepEqual(await mismatches(encoding, texts), []);
    });
  }

  it('counts a 1 MB piece with no whitespace', async () => {
    const count = await counterFor('o200k_base');
    const random = seededRandom(1);
    const letters = 'a'.repeat(1_000_000);
    // A run of "a" merges into equal tokens from the left, so its count scales with its length.
    assert.equal(count(letters), 100 * referenceCount('o200k_base', 'a'.repeat(10_000)));
    const base64 = randomString(
      random,
      [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'],
      1_000_000,
    );
    const tokens = count(base64);
    // Every token is 1 to 128 bytes long.
    assert.ok(tokens >= base64.length / 128 && tokens <= base64.length, `${tokens} tokens`);
  });

  it('counts special-token strings as ordinary text, where gpt-tokenizer would throw', async () => {
    const text = 'Please explain what <|endoftext|> means.';
    assert.throws(() => o200k.countTokens(text), /Disallowed special token/);
    for (const encoding of encodings) {
      const count = await counterFor(encoding);
      assert.equal(count(text), referenceCount(encoding, text));
      assert.ok(count('<|endoftext|>') > 1, 'not the single special token');
    }
  });

  it('counts the byte-order mark as its one token, unlike gpt-tokenizer', async () => {
    // gpt-tokenizer turns bytes into strings with a TextDecoder that drops a leading U+FEFF, so it never
    // finds the BOM's token (EF BB BF) and counts it as two. tiktoken looks bytes up as bytes.
    for (const encoding of encodings) {
      const count = await counterFor(encoding);
      assert.equal(count('\ufeff'), 1);
      assert.equal(count('\ufeffbom'), 1 + referenceCount(encoding, 'bom'));
      assert.equal(referenceCount(encoding, '\ufeff'), 2, 'gpt-tokenizer has fixed this: compare directly');
    }
  });

  it('counts nothing in the empty string and is the same on a second call', async () => {
    const count = await counterFor('o200k_base');
    assert.equal(count(''), 0);
    const text = PROSE.join(' ');
    assert.equal(count(text), count(text));
  });
});
