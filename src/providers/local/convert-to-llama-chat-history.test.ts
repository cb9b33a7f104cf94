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

  it('joins consecutive messages of one kind', () => {
    assert.deepEqual(
      convertToLlamaChatHistory([
        { role: 'system', content: 'A' },
        { role: 'system', content: 'B' },
        { role: 'user', content: 'Hi' },
        { role: 'user', content: 'there' },
      ]),
      [
        { type: 'system', text: 'A\n\nB' },
        { type: 'user', text: 'Hi\n\nthere' },
        { type: 'model', response: [] },
      ],
    );
  });

  it("puts an assistant's tool calls in its response, each with the result its tool message gave", () => {
    assert.deepEqual(
      convertToLlamaChatHistory([
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: 'Looking.',
          toolCalls: [
            { id: 'call_1', name: 'weather', arguments: '{"city": "Oslo"}' },
            { id: 'call_2', name: 'weather', arguments: 'not json' },
          ],
        },
        { role: 'tool', content: '{"degrees": 21}', toolCallId: 'call_2' },
        { role: 'tool', content: 'sunny', toolCallId: 'call_1' },
        { role: 'user', content: 'So?' },
      ]),
      [
        { type: 'user', text: 'Weather?' },
        {
          type: 'model',
          response: [
            'Looking.',
            {
              type: 'functionCall',
              name: 'weather',
              params: { city: 'Oslo' },
              result: 'sunny',
              startsNewChunk: true,
            },
            {
              type: 'functionCall',
              name: 'weather',
              params: 'not json',
              result: { degrees: 21 },
              startsNewChunk: false,
            },
          ],
        },
        { type: 'user', text: 'So?' },
        { type: 'model', response: [] },
      ],
    );
  });

  it('shows a tool result that answers no call before it as user text, and a call without one as unanswered', () => {
    assert.deepEqual(
      convertToLlamaChatHistory([
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{}' }] },
        { role: 'tool', content: 'rain', toolCallId: 'call_9' },
      ]),
      [
        { type: 'user', text: 'Weather?' },
        {
          type: 'model',
          response: [
            { type: 'functionCall', name: 'weather', params: {}, result: undefined, startsNewChunk: true },
          ],
        },
        { type: 'user', text: 'Result of tool call call_9:\nrain' },
        { type: 'model', response: [] },
      ],
    );
  });
});
