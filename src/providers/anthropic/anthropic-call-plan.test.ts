import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type PromptMessage, ProviderError } from '../spec.ts';
import { checkAnthropicCall, planAnthropicCall } from './anthropic-call-plan.ts';

const refusedFor = (param: string) => (error: unknown) =>
  error instanceof ProviderError && error.kind === 'unsupported' && error.param === param;

const question: PromptMessage[] = [{ role: 'user', content: 'hi' }];
/** A tool loop whose call came back without its thinking block (as chat completions sends it). */
const loopWithoutThinking: PromptMessage[] = [
  { role: 'user', content: 'Weather?' },
  { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_1', name: 'weather', arguments: '{}' }] },
  { role: 'tool', content: 'sunny', toolCallId: 'toolu_1' },
];

describe('checkAnthropicCall', () => {
  test('refuses with thinking what Anthropic refuses, naming the field', () => {
    const reasoning = { effort: 'high' } as const;
    assert.throws(
      () => checkAnthropicCall(question, { reasoning, toolChoice: 'required' }),
      refusedFor('tool_choice'),
    );
    assert.throws(
      () => checkAnthropicCall(question, { reasoning, temperature: 0.7 }),
      refusedFor('temperature'),
    );
    assert.throws(() => checkAnthropicCall(question, { reasoning, topP: 0.9 }), refusedFor('top_p'));
    checkAnthropicCall(question, { reasoning, temperature: 1, topP: 0.95, toolChoice: 'auto' });
    checkAnthropicCall(question, { temperature: 0.7, toolChoice: 'required' });
  });

  test('accepts what the call itself would send: a tool loop that cannot think runs without thinking', () => {
    const options = { reasoning: { effort: 'high' }, temperature: 0.2 } as const;
    checkAnthropicCall(loopWithoutThinking, options);
    assert.equal(planAnthropicCall(loopWithoutThinking, options).thinking, undefined);
  });

  test("checks the prompt's shape without reading its bytes", () => {
    const image = { type: 'image', mediaType: 'image/png' } as {
      type: 'image';
      mediaType: string;
      data: Uint8Array;
    };
    // Bytes that cannot be read: the check must not encode them (a real call would).
    Object.defineProperty(image, 'data', {
      enumerable: false,
      get: () => assert.fail('the bytes were read'),
    });
    const withImage: PromptMessage = {
      role: 'user',
      content: 'see',
      parts: [{ type: 'text', text: 'see' }, image],
    };
    checkAnthropicCall([withImage], {});
    const bad: PromptMessage = {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'toolu_x', name: 'w', arguments: '[' }],
    };
    assert.throws(() => checkAnthropicCall([withImage, bad], {}), /toolu_x/);
  });
});
