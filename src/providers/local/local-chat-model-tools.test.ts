/**
 * The `local` provider's tools on real inference: the tiny GGUF model written with a tools chat
 * template (in Qwen 2.5's shape), from which node-llama-cpp reads the function-call syntax. Left to
 * itself that model answers TINY_ANSWER in text; asked for a call (`required`, or a named
 * function), it calls, and node-llama-cpp's grammar holds the name to the offered ones and the
 * arguments to their schema, where the model fills an open string with TINY_TOOL_WORD.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TINY_ANSWER, TINY_TOOL_WORD, writeTinyGguf } from '../../../test/support/tiny-gguf.ts';
import { type PromptMessage, ProviderError, type StreamPart, type ToolDefinition } from '../spec.ts';
import { LocalChatModel } from './local-chat-model.ts';
import { disposeLocalEngines } from './local-engine.ts';

const QUESTION: PromptMessage[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
const WEATHER: ToolDefinition = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
};
const TIME: ToolDefinition = { name: 'get_time', description: 'The time now' };
/** The first turn of a tool loop, done: the call and its result. */
const CALLED: PromptMessage[] = [
  ...QUESTION,
  {
    role: 'assistant',
    content: '',
    toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city": "Paris"}' }],
  },
  { role: 'tool', content: '21 degrees', toolCallId: 'call_1' },
];

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('LocalChatModel with tools', () => {
  let directory: string;
  let model: LocalChatModel;
  let plain: LocalChatModel;
  /** The tools model that opens every answer with a call of its own. */
  let eager: LocalChatModel;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'parley-local-tools-'));
    await writeTinyGguf(join(directory, 'tools.gguf'), { tools: true });
    await writeTinyGguf(join(directory, 'plain.gguf'));
    await writeTinyGguf(join(directory, 'eager.gguf'), { tools: true, callsUnasked: true });
    const settings = { contextSize: 1024, threads: 1, showDownloadProgress: false };
    model = new LocalChatModel({ modelPath: join(directory, 'tools.gguf'), ...settings });
    plain = new LocalChatModel({ modelPath: join(directory, 'plain.gguf'), ...settings });
    eager = new LocalChatModel({ modelPath: join(directory, 'eager.gguf'), ...settings });
    await Promise.all([model.load(), plain.load(), eager.load()]);
  });
  after(async () => {
    await disposeLocalEngines();
    await rm(directory, { recursive: true, force: true });
  });

  it('declares tools when the chat template has a function-call syntax, and only then', () => {
    assert.equal(model.capabilities.tools, true);
    assert.equal(plain.capabilities.tools, false);
  });

  it('streams a required call as tool-call deltas whose arguments match the schema, and stops for it', async () => {
    const parts = await collect(model.doStream(QUESTION, { tools: [WEATHER], toolChoice: 'required' }));
    const deltas = parts.filter((part) => part.type === 'tool-call-delta');
    assert.ok(deltas.length > 1, 'the arguments stream in pieces');
    assert.ok(deltas.every((delta) => delta.index === 0));
    assert.match(deltas[0]?.id ?? '', /^call_[0-9a-f]{24}$/);
    assert.equal(deltas[0]?.name, 'get_weather');
    assert.deepEqual(JSON.parse(deltas.map((delta) => delta.argumentsDelta).join('')), {
      city: TINY_TOOL_WORD,
    });
    assert.equal(
      parts.some((part) => part.type === 'text-delta'),
      false,
    );
    const finish = parts.at(-1);
    assert.equal(finish?.type, 'finish');
    assert.equal(finish?.type === 'finish' && finish.finishReason, 'tool-calls');
    assert.ok(
      finish?.type === 'finish' && (finish.usage?.outputTokens ?? 0) > 0,
      'the call counts as output',
    );
  });

  it('notices a call the model starts on its own when free to choose (auto), and returns it unrun', async () => {
    const parts = await collect(eager.doStream(QUESTION, { tools: [WEATHER] }));
    const deltas = parts.filter((part) => part.type === 'tool-call-delta');
    assert.equal(deltas[0]?.name, 'get_weather');
    assert.deepEqual(JSON.parse(deltas.map((delta) => delta.argumentsDelta).join('')), {
      city: TINY_TOOL_WORD,
    });
    assert.equal(
      parts.some((part) => part.type === 'text-delta'),
      false,
      'the call syntax is not shown as text',
    );
    const finish = parts.at(-1);
    assert.equal(finish?.type === 'finish' && finish.finishReason, 'tool-calls');
  });

  it('calls the function a tool_choice names, with no parameters when it has none', async () => {
    const result = await model.doGenerate(QUESTION, {
      tools: [WEATHER, TIME],
      toolChoice: { name: 'get_time' },
    });
    assert.equal(result.finishReason, 'tool-calls');
    assert.equal(result.text, '');
    assert.equal(result.toolCalls?.length, 1);
    assert.equal(result.toolCalls?.[0]?.name, 'get_time');
    assert.deepEqual(JSON.parse(result.toolCalls?.[0]?.arguments ?? ''), {});
  });

  it('answers in text when the model, free to choose (auto), writes no call, and with none', async () => {
    for (const toolChoice of ['auto', 'none'] as const) {
      const result = await model.doGenerate(QUESTION, { tools: [WEATHER], toolChoice });
      assert.equal(result.text, TINY_ANSWER);
      assert.equal(result.finishReason, 'stop');
      assert.equal(result.toolCalls, undefined);
    }
    // Offered, the tools are documented in the prompt the model reads.
    const offered = await model.doGenerate(QUESTION, { tools: [WEATHER] });
    const bare = await model.doGenerate(QUESTION, {});
    assert.ok((offered.usage?.inputTokens ?? 0) > (bare.usage?.inputTokens ?? 0) + 100);
  });

  it("replays earlier calls and results in the template's own syntax, and the model answers after them", async () => {
    const rendered = await model.renderPrompt(CALLED);
    assert.ok(
      rendered.endsWith(
        '<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n' +
          '{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n' +
          '<|im_start|>user\n<tool_response>\n21 degrees\n</tool_response><|im_end|>\n<|im_start|>assistant\n',
      ),
      rendered,
    );
    const result = await model.doGenerate(CALLED, { tools: [WEATHER] });
    assert.equal(result.text, TINY_ANSWER);
    assert.equal(result.finishReason, 'stop');
  });

  it('refuses tools by name for a model whose template has no call syntax, and a schema it cannot enforce', async () => {
    const refused = await plain.doGenerate(QUESTION, { tools: [WEATHER] }).then(
      () => assert.fail('it answered'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof ProviderError);
    assert.equal(refused.kind, 'unsupported');
    assert.match(
      refused.message,
      /'tools' is not supported by the provider 'local' that serves the model 'plain'/,
    );
    assert.match(refused.message, /ChatML/);

    const pattern: ToolDefinition = { name: 'lookup', parameters: { type: 'string', pattern: '^a' } };
    const error = await model.doGenerate(QUESTION, { tools: [pattern] }).then(
      () => assert.fail('it answered'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ProviderError);
    assert.equal(error.kind, 'unsupported');
    assert.match(error.message, /the tool 'lookup'.*'pattern'/);
  });
});
