import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PromptMessage } from '../spec.ts';
import { convertToOpenAIMessages } from './convert-to-openai-messages.ts';

const call = { id: 'call_1', name: 'weather', arguments: '{}' };

describe('convertToOpenAIMessages: reasoning sent back', () => {
  test('as reasoning_content on a turn that called tools, as DeepSeek requires; not on a plain answer', () => {
    const prompt: PromptMessage[] = [
      { role: 'user', content: 'Hi' },
      {
        role: 'assistant',
        content: 'Hello.',
        parts: [
          { type: 'reasoning', text: 'Greet.' },
          { type: 'text', text: 'Hello.' },
        ],
      },
      {
        role: 'assistant',
        content: '',
        parts: [
          { type: 'reasoning', text: 'Ask ' },
          { type: 'reasoning', text: 'the tool.' },
        ],
        toolCalls: [call],
      },
    ];
    const [, plain, withCall] = convertToOpenAIMessages(prompt);
    assert.deepEqual(plain, { role: 'assistant', content: 'Hello.' });
    assert.deepEqual(withCall, {
      role: 'assistant',
      content: null,
      reasoning_content: 'Ask the tool.',
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' } }],
    });
  });

  test("another provider's signed reasoning (an opaque payload) is not sent as reasoning_content", () => {
    const [message] = convertToOpenAIMessages([
      {
        role: 'assistant',
        content: '',
        parts: [{ type: 'reasoning', text: 'Thought.', encrypted: 'eyJ0eXBlIjoidGhpbmtpbmcifQ==' }],
        toolCalls: [call],
      },
    ]);
    assert.equal(message !== undefined && 'reasoning_content' in message, false);
  });
});
