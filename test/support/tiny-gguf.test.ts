/** The tiny GGUF generator: a well-formed, deterministic file with the metadata llama.cpp needs. */

import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readGgufFileInfo } from 'node-llama-cpp';
import { checkGgufFile } from '../../src/providers/local/check-gguf-file.ts';
import {
  buildTinyGguf,
  TINY_CHAT_TEMPLATE,
  TINY_CONTEXT_LENGTH,
  TINY_TOOL_WORD,
  TINY_TOOLS_CHAT_TEMPLATE,
  writeTinyGguf,
} from './tiny-gguf.ts';

describe('tiny GGUF generator', () => {
  let directory: string;
  let path: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'parley-tiny-gguf-'));
    path = join(directory, 'tiny.gguf');
    await writeTinyGguf(path);
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes the same bytes for the same seed, and other weights for another', () => {
    const first = buildTinyGguf();
    assert.deepEqual(buildTinyGguf(), first);
    assert.notDeepEqual(buildTinyGguf({ seed: 7 }), first);
  });

  it('writes a small GGUF v3 file whose tensor data is aligned to 32 bytes', async () => {
    const bytes = buildTinyGguf();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), 'GGUF');
    assert.equal(view.getUint32(4, true), 3);
    assert.equal(view.getBigUint64(8, true), 3n + 2n * 9n);
    assert.equal(bytes.byteLength % 32, 0);
    const { size } = await stat(path);
    assert.ok(size > 100_000 && size < 5_000_000, `${size} bytes`);
    await checkGgufFile(path);
  });

  it('holds the llama metadata, tokenizer and chat template that node-llama-cpp reads', async () => {
    const info = await readGgufFileInfo(path);
    const metadata = info.metadata;
    assert.equal(metadata.general.architecture, 'llama');
    assert.equal(metadata.general.name, 'parley-tiny');
    assert.equal(metadata.general.alignment, 32);
    const llama = metadata.llama as unknown as Record<string, unknown>;
    assert.equal(llama.context_length, TINY_CONTEXT_LENGTH);
    assert.equal(llama.embedding_length, 64);
    assert.equal(llama.block_count, 2);
    const tokenizer = metadata.tokenizer.ggml as unknown as Record<string, unknown>;
    assert.equal(tokenizer.model, 'llama');
    const tokens = tokenizer.tokens as string[];
    assert.ok(tokens.length > 256 && tokens.length < 512, `${tokens.length} tokens`);
    assert.ok(tokens.includes('<0x00>') && tokens.includes('<0xFF>') && tokens.includes('<|im_end|>'));
    assert.equal(metadata.tokenizer.chat_template, TINY_CHAT_TEMPLATE);
    const names = (info.fullTensorInfo ?? []).map((tensor) => tensor.name);
    for (const name of [
      'token_embd.weight',
      'output_norm.weight',
      'output.weight',
      'blk.1.ffn_down.weight',
    ]) {
      assert.ok(names.includes(name), name);
    }
  });

  it('writes the tools model with its template, tool tags and word, and no byte tokens for printable characters', async () => {
    const toolsPath = join(directory, 'tools.gguf');
    await writeTinyGguf(toolsPath, { tools: true });
    const metadata = (await readGgufFileInfo(toolsPath)).metadata;
    assert.equal(metadata.tokenizer.chat_template, TINY_TOOLS_CHAT_TEMPLATE);
    const tokenizer = metadata.tokenizer.ggml as unknown as Record<string, unknown>;
    const tokens = tokenizer.tokens as string[];
    const types = tokenizer.token_type as number[];
    for (const tag of ['<tool_call>', '</tool_call>', '<tool_response>', '</tool_response>']) {
      assert.equal(types[tokens.indexOf(tag)], 4, `${tag} is a user-defined token`);
    }
    assert.ok(tokens.includes(TINY_TOOL_WORD) && tokens.includes('"'));
    assert.ok(!tokens.includes('<0x22>') && tokens.includes('<0x0A>'));
  });
});
