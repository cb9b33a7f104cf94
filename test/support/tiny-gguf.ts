/**
 * Writes a tiny but real GGUF v3 model (`llama` architecture, F32 weights, a SentencePiece-style
 * vocabulary with byte fallback and a ChatML chat template) that llama.cpp loads and runs, so the
 * `local` provider is tested on real inference without downloading anything.
 *
 * The weights are random (seeded, so every file is the same) except where they are built to make
 * the model predictable: each "chain" token has an embedding along its own axis, and the output
 * row of its successor points along that axis, so the most likely next token is fixed.
 * - After the generation prompt (which ends in a newline) the model answers {@link TINY_ANSWER}
 *   and then ends its turn with `<|im_end|>` (an end-of-generation token): finish reason `stop`.
 * - After any letter of {@link TINY_LOOP} it spells the loop on forever: an answer that only
 *   `maxOutputTokens`, a stop string or an abort ends. Continuing an assistant message that ends
 *   in a letter (a prompt whose last message is the assistant's) starts it.
 * Every other token is followed by something random.
 *
 * With `tools: true` the file is the tools model: {@link TINY_TOOLS_CHAT_TEMPLATE}, from which
 * node-llama-cpp reads a function-call syntax (`<tool_call>` JSON), and two more chains. Left to
 * itself it still answers TINY_ANSWER; made to call (node-llama-cpp then holds the name and the
 * JSON to the offered functions by grammar), it writes {@link TINY_TOOL_WORD} into every string the
 * schema leaves open (`"` → the word → `"`), and after `</tool_call>` ends its turn. With
 * `callsUnasked` too, it opens every answer with a call of its own instead of TINY_ANSWER. Its
 * printable characters have no byte tokens, so the JSON a grammar forces is always the same token.
 */

import { writeFile } from 'node:fs/promises';

/** What the model answers, greedily and with the default sampling alike, to any chat prompt. */
export const TINY_ANSWER = 'Hello from a tiny model!';
/** The text the model repeats after any of its letters (the space included). */
export const TINY_LOOP = 'abcdefghijklmnopqrstuvwxyz ';
/** The model's context length (`llama.context_length`). */
export const TINY_CONTEXT_LENGTH = 1024;
/** What the tools model writes into every JSON string of a call's arguments that the schema leaves open. */
export const TINY_TOOL_WORD = 'Paris';

export const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + " +
  "'<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * A chat template with tools, in the shape of Qwen 2.5's: the tools listed in the system turn, a
 * call written as `<tool_call>` JSON, a result as a user turn of `<tool_response>`. node-llama-cpp
 * reads its function-call syntax from it.
 */
export const TINY_TOOLS_CHAT_TEMPLATE = [
  '{%- if tools %}',
  "{{- '<|im_start|>system\\n' }}",
  "{%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] }}{%- else %}{{- 'You are a tiny model.' }}{%- endif %}",
  '{{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}',
  '{%- for tool in tools %}{{- "\\n" }}{{- tool | tojson }}{%- endfor %}',
  '{{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}',
  '{%- else %}',
  "{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\nYou are a tiny model.<|im_end|>\\n' }}{%- endif %}",
  '{%- endif %}',
  '{%- for message in messages %}',
  '{%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}',
  "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}",
  '{%- elif message.role == "assistant" %}',
  "{{- '<|im_start|>' + message.role }}",
  "{%- if message.content %}{{- '\\n' + message.content }}{%- endif %}",
  '{%- for tool_call in message.tool_calls %}',
  '{%- if tool_call.function is defined %}{%- set tool_call = tool_call.function %}{%- endif %}',
  '{{- \'\\n<tool_call>\\n{"name": "\' }}{{- tool_call.name }}{{- \'", "arguments": \' }}{{- tool_call.arguments | tojson }}{{- \'}\\n</tool_call>\' }}',
  '{%- endfor %}',
  "{{- '<|im_end|>\\n' }}",
  '{%- elif message.role == "tool" %}',
  '{%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}{{- \'<|im_start|>user\' }}{%- endif %}',
  "{{- '\\n<tool_response>\\n' }}{{- message.content }}{{- '\\n</tool_response>' }}",
  '{%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}{{- \'<|im_end|>\\n\' }}{%- endif %}',
  '{%- endif %}',
  '{%- endfor %}',
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
].join('\n');

export interface TinyGgufOptions {
  /** Seeds the random weights; the same seed gives the same bytes. */
  readonly seed?: number;
  /** Write {@link TINY_TOOLS_CHAT_TEMPLATE} and its tool tokens instead of the plain ChatML template. */
  readonly tools?: boolean;
  /**
   * With `tools`: the model starts every answer with a call of its own (`<tool_call>` then
   * `{"name": "`), free to choose (tool_choice `auto`); node-llama-cpp must notice it.
   */
  readonly callsUnasked?: boolean;
  /** `general.name`. */
  readonly name?: string;
}

const EMBEDDING = 64;
const HEADS = 4;
const KV_HEADS = 2;
const HEAD_SIZE = EMBEDDING / HEADS;
const FEED_FORWARD = 128;
const BLOCKS = 2;
const ALIGNMENT = 32;
/** How strongly a chain token predicts its successor (a logit of about 8 × this). */
const CHAIN_STRENGTH = 4;
/** The scale of the random weights: small, so the residual stream keeps each token's own axis. */
const NOISE = 0.02;
/** The tags of {@link TINY_TOOLS_CHAT_TEMPLATE}, each one token of the tools model. */
const TOOL_TAGS = ['<tool_call>', '</tool_call>', '<tool_response>', '</tool_response>'];
/** What follows `<tool_call>` in a call of the template, one token of the tools model. */
const CALL_OPENER = '\n{"name": "';

/** Which model the file holds: plain chat, the tools model, or the tools model that calls unasked. */
type Kind = 'chat' | 'tools' | 'calling';
/** SentencePiece's visible space. */
const SPACE = '\u2581';

/** llama.cpp's token types (`tokenizer.ggml.token_type`). */
const TokenType = { Normal: 1, Unknown: 2, Control: 3, UserDefined: 4, Byte: 6 } as const;
type TokenType = (typeof TokenType)[keyof typeof TokenType];

interface Vocabulary {
  readonly tokens: string[];
  readonly scores: number[];
  readonly types: TokenType[];
  readonly idOf: (text: string) => number;
}

/** Special tokens first, then the 256 byte tokens, printable ASCII and the words of the answer. */
function buildVocabulary(kind: Kind): Vocabulary {
  const tools = kind !== 'chat';
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: TokenType[] = [];
  const add = (text: string, type: TokenType, score = 0) => {
    tokens.push(text);
    types.push(type);
    scores.push(score);
  };
  add('<unk>', TokenType.Unknown);
  add('<s>', TokenType.Control);
  add('</s>', TokenType.Control);
  add('<|im_start|>', TokenType.Control);
  add('<|im_end|>', TokenType.Control);
  // Qwen's tool tags: tokens of their own that read as text (user-defined, not control).
  if (tools) for (const tag of TOOL_TAGS) add(tag, TokenType.UserDefined);
  for (let byte = 0; byte < 256; byte++) {
    // In the tools model a printable character is one token only, so the JSON a grammar forces
    // (`"`, `:`, ...) is always the same token, whose successor is fixed.
    if (tools && byte >= 0x20 && byte <= 0x7e) continue;
    add(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`, TokenType.Byte);
  }
  add(SPACE, TokenType.Normal, -1);
  for (let code = 0x21; code <= 0x7e; code++) add(String.fromCharCode(code), TokenType.Normal, -1);
  for (const word of answerPieces()) {
    if (word.length > 1) add(word, TokenType.Normal, -2);
  }
  if (tools) add(TINY_TOOL_WORD, TokenType.Normal, -2);
  if (kind === 'calling') add(CALL_OPENER, TokenType.Normal, -2);
  const ids = new Map(tokens.map((text, id) => [text, id]));
  return {
    tokens,
    scores,
    types,
    idOf: (text) => {
      const id = ids.get(text);
      if (id === undefined) throw new Error(`tiny-gguf: no token ${JSON.stringify(text)}`);
      return id;
    },
  };
}

/** The answer as the model's tokens: whole words with SentencePiece spaces, then `!`. */
function answerPieces(): string[] {
  const words = TINY_ANSWER.slice(0, -1).split(' ');
  return [...words.map((word, index) => (index === 0 ? word : `${SPACE}${word}`)), TINY_ANSWER.slice(-1)];
}

/** Each chain token and the token that follows it. */
function successors(vocabulary: Vocabulary, kind: Kind): Map<number, number> {
  const next = new Map<number, number>();
  const chain = (texts: readonly string[]) => {
    for (let index = 0; index + 1 < texts.length; index++) {
      next.set(vocabulary.idOf(texts[index] ?? ''), vocabulary.idOf(texts[index + 1] ?? ''));
    }
  };
  chain(['<0x0A>', ...answerPieces(), '<|im_end|>']);
  const loop = [...TINY_LOOP].map((char) => (char === ' ' ? SPACE : char));
  chain([...loop, loop[0] ?? 'a']);
  // The answer of the model that calls unasked opens a call instead of TINY_ANSWER.
  if (kind === 'calling') chain(['<0x0A>', '<tool_call>', CALL_OPENER]);
  if (kind !== 'chat') {
    // A string the grammar leaves to the model is the word, closed at once; after a call, the turn ends.
    chain(['"', TINY_TOOL_WORD, '"']);
    chain(['</tool_call>', '<|im_end|>']);
  }
  return next;
}

/** mulberry32: a small seeded generator, plenty for test weights. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tensor {
  readonly name: string;
  /** ggml order: the first dimension is the one that varies fastest. */
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

function buildTensors(vocabulary: Vocabulary, seed: number, kind: Kind): Tensor[] {
  const random = randomSource(seed);
  const gaussian = () => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const noise = (length: number, scale: number) => Float32Array.from({ length }, () => gaussian() * scale);
  const ones = (length: number) => new Float32Array(length).fill(1);
  const vocabularySize = vocabulary.tokens.length;
  const next = successors(vocabulary, kind);
  const chainTokens = [...new Set([...next.keys(), ...next.values()])];
  if (chainTokens.length > EMBEDDING) throw new Error('tiny-gguf: more chain tokens than dimensions');
  const axisOf = new Map(chainTokens.map((token, axis) => [token, axis]));

  // Token embeddings: a chain token lies on its own axis; the others point anywhere.
  const embeddings = noise(vocabularySize * EMBEDDING, 0.5);
  for (const [token, axis] of axisOf) {
    const row = embeddings.subarray(token * EMBEDDING, (token + 1) * EMBEDDING);
    row.fill(0);
    row[axis] = 1;
  }
  // Output rows: a successor's row points along its predecessors' axes (one each, or several for
  // `<|im_end|>` in the tools model); the rest stay near zero.
  const output = noise(vocabularySize * EMBEDDING, NOISE);
  const rowOf = (token: number) => output.subarray(token * EMBEDDING, (token + 1) * EMBEDDING);
  for (const successor of next.values()) rowOf(successor).fill(0);
  for (const [token, successor] of next) rowOf(successor)[axisOf.get(token) ?? 0] = CHAIN_STRENGTH;

  const tensors: Tensor[] = [
    { name: 'token_embd.weight', shape: [EMBEDDING, vocabularySize], data: embeddings },
    { name: 'output_norm.weight', shape: [EMBEDDING], data: ones(EMBEDDING) },
    { name: 'output.weight', shape: [EMBEDDING, vocabularySize], data: output },
  ];
  const kvWidth = HEAD_SIZE * KV_HEADS;
  for (let block = 0; block < BLOCKS; block++) {
    const prefix = `blk.${block}`;
    tensors.push(
      { name: `${prefix}.attn_norm.weight`, shape: [EMBEDDING], data: ones(EMBEDDING) },
      { name: `${prefix}.attn_q.weight`, shape: [EMBEDDING, EMBEDDING], data: noise(EMBEDDING ** 2, NOISE) },
      {
        name: `${prefix}.attn_k.weight`,
        shape: [EMBEDDING, kvWidth],
        data: noise(EMBEDDING * kvWidth, NOISE),
      },
      {
        name: `${prefix}.attn_v.weight`,
        shape: [EMBEDDING, kvWidth],
        data: noise(EMBEDDING * kvWidth, NOISE),
      },
      {
        name: `${prefix}.attn_output.weight`,
        shape: [EMBEDDING, EMBEDDING],
        data: noise(EMBEDDING ** 2, NOISE),
      },
      { name: `${prefix}.ffn_norm.weight`, shape: [EMBEDDING], data: ones(EMBEDDING) },
      {
        name: `${prefix}.ffn_gate.weight`,
        shape: [EMBEDDING, FEED_FORWARD],
        data: noise(EMBEDDING * FEED_FORWARD, NOISE),
      },
      {
        name: `${prefix}.ffn_up.weight`,
        shape: [EMBEDDING, FEED_FORWARD],
        data: noise(EMBEDDING * FEED_FORWARD, NOISE),
      },
      {
        name: `${prefix}.ffn_down.weight`,
        shape: [FEED_FORWARD, EMBEDDING],
        data: noise(FEED_FORWARD * EMBEDDING, NOISE),
      },
    );
  }
  return tensors;
}

// GGUF metadata value types (ggml docs/gguf.md).
const UINT32 = 4;
const INT32 = 5;
const FLOAT32 = 6;
const BOOL = 7;
const STRING = 8;
const ARRAY = 9;
/** ggml_type of a tensor: F32. */
const GGML_F32 = 0;

type MetadataValue =
  | { readonly type: 'u32'; readonly value: number }
  | { readonly type: 'f32'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'f32s'; readonly value: readonly number[] }
  | { readonly type: 'i32s'; readonly value: readonly number[] };

/** Appends little-endian values to a growing list of chunks. */
class ByteWriter {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  bytes(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#length += chunk.byteLength;
  }

  u32(value: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setUint32(0, value, true);
    this.bytes(new Uint8Array(view.buffer));
  }

  i32(value: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setInt32(0, value, true);
    this.bytes(new Uint8Array(view.buffer));
  }

  u64(value: number): void {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, BigInt(value), true);
    this.bytes(new Uint8Array(view.buffer));
  }

  f32(value: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    this.bytes(new Uint8Array(view.buffer));
  }

  string(value: string): void {
    const encoded = new TextEncoder().encode(value);
    this.u64(encoded.byteLength);
    this.bytes(encoded);
  }

  padTo(alignment: number): void {
    const padding = (alignment - (this.#length % alignment)) % alignment;
    if (padding > 0) this.bytes(new Uint8Array(padding));
  }

  concat(): Uint8Array {
    const result = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      result.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return result;
  }
}

function writeMetadataValue(writer: ByteWriter, entry: MetadataValue): void {
  switch (entry.type) {
    case 'u32':
      writer.u32(UINT32);
      writer.u32(entry.value);
      return;
    case 'f32':
      writer.u32(FLOAT32);
      writer.f32(entry.value);
      return;
    case 'bool':
      writer.u32(BOOL);
      writer.bytes(Uint8Array.of(entry.value ? 1 : 0));
      return;
    case 'string':
      writer.u32(STRING);
      writer.string(entry.value);
      return;
    case 'strings':
      writer.u32(ARRAY);
      writer.u32(STRING);
      writer.u64(entry.value.length);
      for (const value of entry.value) writer.string(value);
      return;
    case 'f32s':
      writer.u32(ARRAY);
      writer.u32(FLOAT32);
      writer.u64(entry.value.length);
      for (const value of entry.value) writer.f32(value);
      return;
    case 'i32s':
      writer.u32(ARRAY);
      writer.u32(INT32);
      writer.u64(entry.value.length);
      for (const value of entry.value) writer.i32(value);
      return;
  }
}

/** The model file's bytes. */
export function buildTinyGguf(options: TinyGgufOptions = {}): Uint8Array {
  const kind: Kind = options.tools !== true ? 'chat' : options.callsUnasked === true ? 'calling' : 'tools';
  const vocabulary = buildVocabulary(kind);
  const tensors = buildTensors(vocabulary, options.seed ?? 42, kind);
  const metadata: [string, MetadataValue][] = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: options.name ?? 'parley-tiny' }],
    ['general.alignment', { type: 'u32', value: ALIGNMENT }],
    ['general.file_type', { type: 'u32', value: 0 }],
    ['llama.context_length', { type: 'u32', value: TINY_CONTEXT_LENGTH }],
    ['llama.embedding_length', { type: 'u32', value: EMBEDDING }],
    ['llama.block_count', { type: 'u32', value: BLOCKS }],
    ['llama.feed_forward_length', { type: 'u32', value: FEED_FORWARD }],
    ['llama.attention.head_count', { type: 'u32', value: HEADS }],
    ['llama.attention.head_count_kv', { type: 'u32', value: KV_HEADS }],
    ['llama.rope.dimension_count', { type: 'u32', value: HEAD_SIZE }],
    ['llama.rope.freq_base', { type: 'f32', value: 10000 }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'strings', value: vocabulary.tokens }],
    ['tokenizer.ggml.scores', { type: 'f32s', value: vocabulary.scores }],
    ['tokenizer.ggml.token_type', { type: 'i32s', value: vocabulary.types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: vocabulary.idOf('<unk>') }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: vocabulary.idOf('<s>') }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: vocabulary.idOf('<|im_end|>') }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    // Without it a space would be put before the text that follows each special token.
    ['tokenizer.ggml.add_space_prefix', { type: 'bool', value: false }],
    [
      'tokenizer.chat_template',
      { type: 'string', value: options.tools === true ? TINY_TOOLS_CHAT_TEMPLATE : TINY_CHAT_TEMPLATE },
    ],
  ];

  const writer = new ByteWriter();
  writer.bytes(new TextEncoder().encode('GGUF'));
  writer.u32(3);
  writer.u64(tensors.length);
  writer.u64(metadata.length);
  for (const [key, value] of metadata) {
    writer.string(key);
    writeMetadataValue(writer, value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const tensor of tensors) {
    writer.string(tensor.name);
    writer.u32(tensor.shape.length);
    for (const dimension of tensor.shape) writer.u64(dimension);
    writer.u32(GGML_F32);
    writer.u64(offset);
    offsets.push(offset);
    offset += Math.ceil(tensor.data.byteLength / ALIGNMENT) * ALIGNMENT;
  }
  writer.padTo(ALIGNMENT);
  const dataStart = writer.length;
  for (const [index, tensor] of tensors.entries()) {
    if (writer.length - dataStart !== offsets[index]) throw new Error('tiny-gguf: misplaced tensor');
    writer.bytes(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    writer.padTo(ALIGNMENT);
  }
  return writer.concat();
}

/**
 * Writes the tiny model to `path` (a `.gguf` file).
 * @example const modelPath = join(await mkdtemp(join(tmpdir(), 'parley-')), 'tiny.gguf');
 *          await writeTinyGguf(modelPath);
 */
export async function writeTinyGguf(path: string, options: TinyGgufOptions = {}): Promise<void> {
  await writeFile(path, buildTinyGguf(options));
}
