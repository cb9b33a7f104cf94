import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planChatGPTWebTurn, toChatGPTWebRequest } from './convert-to-chatgpt-web-request.ts';

const first = { conversationId: 'conv-1', messageId: 'answer-1' };
const second = { conversationId: 'conv-1', messageId: 'answer-2' };
const ids = { messageId: 'sent-1', newParentId: 'root-1' };

describe('planChatGPTWebTurn', () => {
  test('a lone question is sent as it is, in a new conversation', () => {
    assert.deepEqual(planChatGPTWebTurn([{ role: 'user', content: 'Hi' }]), { action: 'next', text: 'Hi' });
  });

  test('the last upstream answer is the anchor; only what follows it is sent', () => {
    const turn = planChatGPTWebTurn([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'A1', upstreamRef: first },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'A2', upstreamRef: second },
      { role: 'user', content: 'three' },
      { role: 'user', content: 'four' },
    ]);
    assert.deepEqual(turn, { action: 'next', text: 'three\n\nfour', parent: second });
  });

  test('what another model wrote after the anchor is rendered as a transcript', () => {
    const turn = planChatGPTWebTurn([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'A1', upstreamRef: first },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'clock', arguments: '{}' }] },
      { role: 'tool', content: '12:00', toolCallId: 'c' },
      { role: 'assistant', content: 'It is noon.' },
      { role: 'user', content: 'thanks' },
    ]);
    assert.deepEqual(turn, {
      action: 'next',
      text: 'User: two\n\nAssistant: [called clock({})]\n\n[tool result] 12:00\n\nAssistant: It is noon.\n\nthanks',
      parent: first,
    });
  });

  test('a prompt ending with an upstream answer continues it', () => {
    assert.deepEqual(
      planChatGPTWebTurn([
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'A1', upstreamRef: first },
      ]),
      { action: 'continue', parent: first, parentText: 'A1' },
    );
  });

  test('an empty prompt is refused', () => {
    assert.throws(() => planChatGPTWebTurn([]), TypeError);
  });
});

describe('toChatGPTWebRequest', () => {
  test('next under a parent, next in a new conversation, continue', () => {
    const common = {
      model: 'gpt-4o',
      timezone_offset_min: -60,
      history_and_training_disabled: false,
      conversation_mode: { kind: 'primary_assistant' },
    };
    const message = {
      id: 'sent-1',
      author: { role: 'user' },
      content: { content_type: 'text', parts: ['q'] },
    };
    assert.deepEqual(toChatGPTWebRequest({ action: 'next', text: 'q', parent: first }, 'gpt-4o', ids, -60), {
      action: 'next',
      messages: [message],
      conversation_id: 'conv-1',
      parent_message_id: 'answer-1',
      ...common,
    });
    assert.deepEqual(toChatGPTWebRequest({ action: 'next', text: 'q' }, 'gpt-4o', ids, -60), {
      action: 'next',
      messages: [message],
      parent_message_id: 'root-1',
      ...common,
    });
    assert.deepEqual(
      toChatGPTWebRequest({ action: 'continue', parent: first, parentText: 'A1' }, 'gpt-4o', ids, -60),
      { action: 'continue', conversation_id: 'conv-1', parent_message_id: 'answer-1', ...common },
    );
  });
});
