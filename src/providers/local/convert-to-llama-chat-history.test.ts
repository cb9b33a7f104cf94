import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertToLlamaChatHistory } from './convert-to-llama-chat-history.ts';

describe('convertToLlamaChatHistory', () => {
  it('maps roles and ends with an empty model response to write', () => {
    assert.deepEqual(
      convertToLlamaChatHistory([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Bye' },
      ]),
      [
        { type: 'system', text: 'Be brief.' },
        { type: 'user', text: 'Hi' },
        { type: 'model', response: ['Hello!'] },
        { type: 'user', text: 'Bye' },
        { type: 'model', response: [] },
      ],
    );
  });

  it('leaves a trailing assistant message for the model to continue', () => {
    assert.deepEqual(
      convertToLlamaChatHistory([
        { role: 'user', content: 'Count' },
        { role: 'assistant', content: 'one two' },
      ]),
      [
        { type: 'user', text: 'Count' },
        { type: 'model', response: ['one two'] },
      ],
    );
  });

  it('turns tool results into user text and joins consecutive messages of one kind', () => {
    assert.deepEqual(
      convertToLlamaChatHistory([
        { role: 'system', content: 'A' },
        { role: 'system', content: 'B' },
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{}' }],
        },
        { role: 'tool', content: 'sunny', toolCallId: 'call_1' },
        { role: 'user', content: 'So?' },
      ]),
      [
        { type: 'system', text: 'A\n\nB' },
        { type: 'user', text: 'Weather?' },
        { type: 'model', response: [''] },
        { type: 'user', text: 'Result of tool call call_1:\nsunny\n\nSo?' },
        { type: 'model', response: [] },
      ],
    );
  });
});
