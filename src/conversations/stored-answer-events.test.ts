/** A stored answer's parts as the events a turn streams: each piece whole, numbered from 1, then its end. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParleyError } from '../errors.ts';
import type { MessageRecord } from '../store/store.ts';
import type { GenerationEvent } from './generation-events.ts';
import { storedRunEvents } from './stored-answer-events.ts';

function answer(fields: Partial<MessageRecord>): MessageRecord {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    conversationId: '00000000-0000-4000-8000-000000000002',
    parentId: '00000000-0000-4000-8000-000000000003',
    role: 'assistant',
    content: '',
    parts: [],
    model: 'fake-model',
    provider: 'openai-compatible',
    status: 'completed',
    finishReason: 'stop',
    inputTokens: null,
    outputTokens: null,
    error: null,
    requestOptions: null,
    deletedAt: null,
    context: null,
    upstreamConversationId: null,
    upstreamMessageId: null,
    createdAt: 1,
    updatedAt: 2,
    ...fields,
  };
}

async function eventsOf(message: MessageRecord): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const event of storedRunEvents(message)) events.push(event);
  return events;
}

describe('storedRunEvents', () => {
  it('yields reasoning (each piece ended with its payload), the text, then the calls, and the finish with usage', async () => {
    const events = await eventsOf(
      answer({
        content: 'Checking.',
        parts: [
          { type: 'reasoning', text: 'Think.', encrypted: 'sig-1' },
          // A redacted block: a payload and no text.
          { type: 'reasoning', text: '', encrypted: 'sig-2' },
          { type: 'reasoning', text: 'Again.' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', callId: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' },
          { type: 'tool-call', callId: 'call_2', name: 'time', arguments: '{}' },
        ],
        finishReason: 'tool-calls',
        inputTokens: 5,
        outputTokens: 7,
      }),
    );
    assert.deepEqual(events, [
      { type: 'reasoning-delta', sequence: 1, delta: 'Think.' },
      { type: 'reasoning-end', sequence: 2, encrypted: 'sig-1' },
      { type: 'reasoning-end', sequence: 3, encrypted: 'sig-2' },
      { type: 'reasoning-delta', sequence: 4, delta: 'Again.' },
      { type: 'reasoning-end', sequence: 5 },
      { type: 'text-delta', sequence: 6, delta: 'Checking.' },
      {
        type: 'tool-call-delta',
        sequence: 7,
        index: 0,
        id: 'call_1',
        name: 'weather',
        argumentsDelta: '{"city":"Oslo"}',
      },
      { type: 'tool-call-delta', sequence: 8, index: 1, id: 'call_2', name: 'time', argumentsDelta: '{}' },
      {
        type: 'finish',
        sequence: 9,
        status: 'completed',
        finishReason: 'tool-calls',
        usage: { inputTokens: 5, outputTokens: 7 },
      },
    ]);
  });

  it('a text-only answer is its text and its finish; an empty one only its finish', async () => {
    assert.deepEqual(await eventsOf(answer({ content: 'Hi.', parts: [{ type: 'text', text: 'Hi.' }] })), [
      { type: 'text-delta', sequence: 1, delta: 'Hi.' },
      { type: 'finish', sequence: 2, status: 'completed', finishReason: 'stop' },
    ]);
    assert.deepEqual(await eventsOf(answer({ finishReason: null, status: 'incomplete' })), [
      { type: 'finish', sequence: 1, status: 'incomplete', finishReason: 'stop' },
    ]);
  });

  it('a failed answer gives what it kept, then its error', async () => {
    const events = await eventsOf(
      answer({
        status: 'failed',
        content: 'Par',
        parts: [
          { type: 'reasoning', text: 'Hm.' },
          { type: 'text', text: 'Par' },
        ],
        error: 'upstream went away',
      }),
    );
    assert.deepEqual(events.at(-1), {
      type: 'error',
      sequence: 4,
      code: 'UPSTREAM_ERROR',
      status: 502,
      message: 'upstream went away',
    });
    assert.deepEqual(
      events.map((event) => event.type),
      ['reasoning-delta', 'reasoning-end', 'text-delta', 'error'],
    );
  });

  it('an answer a failure cut short ends with that error (a cancel keeps its code); one cut by its length finishes', async () => {
    const cut = await eventsOf(
      answer({ status: 'incomplete', content: 'Par', finishReason: null, error: 'the upstream reset' }),
    );
    assert.deepEqual(cut.at(-1), {
      type: 'error',
      sequence: 2,
      code: 'UPSTREAM_ERROR',
      status: 502,
      message: 'the upstream reset',
    });
    const cancelled = await eventsOf(
      answer({ status: 'incomplete', finishReason: 'cancelled', error: 'the response was cancelled' }),
    );
    assert.deepEqual(cancelled, [
      { type: 'error', sequence: 1, code: 'CANCELLED', status: 499, message: 'the response was cancelled' },
    ]);
    const long = await eventsOf(answer({ status: 'incomplete', content: 'Par', finishReason: 'length' }));
    assert.deepEqual(long.at(-1), {
      type: 'finish',
      sequence: 2,
      status: 'incomplete',
      finishReason: 'length',
    });
  });

  it('an answer still being written (by another server) is a conflict', async () => {
    await assert.rejects(eventsOf(answer({ status: 'in_progress' })), (error: unknown) => {
      assert.ok(error instanceof ParleyError);
      assert.equal(error.code, 'CONFLICT');
      return true;
    });
  });
});
