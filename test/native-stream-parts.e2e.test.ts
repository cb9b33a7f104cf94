/**
 * The native stream carries all of an answer's pieces as they come, not only its text: from an
 * OpenAI-compatible upstream sending `reasoning_content`, then text, then a tool call, the stream
 * is `start`, `reasoning`, `delta`, `tool_call` events with the run's sequence numbers, then
 * `done` with the stored parts; a stream resumed from the middle (`Last-Event-ID`) gets exactly the
 * rest, numbered as live. A continued answer streams only its new reasoning, and keeps the earlier
 * reasoning in its parts.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chunkFrame, type FakeReply, reasoningStreamReply } from './support/fake-openai-upstream.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from './support/parley-with-upstreams.ts';
import { parseSse } from './support/test-app.ts';

const REASONING_TEXT_THEN_CALL: FakeReply = {
  kind: 'raw-stream',
  intervalMs: 0,
  pieces: [
    chunkFrame({ role: 'assistant', content: null, reasoning_content: 'Rain is ' }),
    chunkFrame({ reasoning_content: 'likely.' }),
    chunkFrame({ content: 'Let me ' }),
    chunkFrame({ content: 'check.' }),
    chunkFrame({
      tool_calls: [
        { index: 0, id: 'call_9', type: 'function', function: { name: 'weather', arguments: '' } },
      ],
    }),
    chunkFrame({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    chunkFrame({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
    chunkFrame({}, 'tool_calls'),
    'data: [DONE]\n\n',
  ],
};

/** The frames after `start`, as `[id, event, data]`; `done` only as the stored answer's parts. */
function framesOf(body: string): [string | undefined, string | undefined, unknown][] {
  return parseSse(body).map((frame) => {
    const data = JSON.parse(frame.data) as { message?: { parts: unknown } };
    return [frame.id, frame.event, frame.event === 'done' ? data.message?.parts : data];
  });
}

describe('the native stream of reasoning, text and tool calls', () => {
  let parley: ParleyWithUpstreams;
  let base: string;
  let conversationId: string;
  let live: string;

  before(async () => {
    parley = await startParleyWithUpstreams();
    base = parley.v1.replace(/\/v1$/, '');
    const created = await fetch(`${base}/api/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    conversationId = ((await created.json()) as { id: string }).id;
    parley.openai.reply(REASONING_TEXT_THEN_CALL);
    const streamed = await fetch(`${base}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Weather in Oslo?', stream: true }),
    });
    assert.equal(streamed.status, 200);
    live = await streamed.text();
  });

  after(async () => {
    await parley.close();
  });

  test('streams each piece as its own event, in order, with exact payloads', () => {
    const [start, ...rest] = framesOf(live);
    assert.equal(start?.[1], 'start');
    assert.equal(start?.[0], undefined);
    assert.deepEqual(rest, [
      ['1', 'reasoning', { delta: 'Rain is ' }],
      ['2', 'reasoning', { delta: 'likely.' }],
      ['3', 'delta', { delta: 'Let me ' }],
      ['4', 'delta', { delta: 'check.' }],
      ['5', 'tool_call', { index: 0, id: 'call_9', name: 'weather', arguments_delta: '' }],
      ['6', 'tool_call', { index: 0, arguments_delta: '{"city":' }],
      ['7', 'tool_call', { index: 0, arguments_delta: '"Oslo"}' }],
      [
        '8',
        'done',
        [
          { type: 'reasoning', text: 'Rain is likely.' },
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_call', call_id: 'call_9', name: 'weather', arguments: '{"city":"Oslo"}' },
        ],
      ],
    ]);
  });

  test('a stream resumed from the middle gets exactly the rest, numbered as live', async () => {
    const [start] = parseSse(live);
    const { message_id: answerId } = JSON.parse(start?.data ?? '{}') as { message_id: string };
    const events = `${base}/api/conversations/${conversationId}/messages/${answerId}/events`;
    for (const [url, headers] of [
      [events, { 'last-event-id': '3' }],
      [`${events}?after=3`, {}],
    ] as const) {
      const resumed = await fetch(url, { headers });
      assert.equal(resumed.status, 200);
      const frames = framesOf(await resumed.text());
      assert.equal(frames[0]?.[1], 'start');
      assert.deepEqual(frames.slice(1), framesOf(live).slice(4));
    }
    const whole = await fetch(`${events}?after=0`);
    assert.deepEqual(framesOf(await whole.text()), framesOf(live));
  });

  test('a continued answer streams its new reasoning and keeps the earlier reasoning stored', async () => {
    parley.openai.reply(reasoningStreamReply(['Thought one.'], 'Half', { finishReason: 'length' }));
    const cut = await fetch(`${base}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Go on?', stream: true }),
    });
    const { message_id: answerId } = JSON.parse(parseSse(await cut.text())[0]?.data ?? '{}') as {
      message_id: string;
    };
    parley.openai.reply(reasoningStreamReply(['Thought two.'], ' and whole.'));
    const continued = await fetch(
      `${base}/api/conversations/${conversationId}/messages/${answerId}/continue`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"stream":true}' },
    );
    assert.deepEqual(framesOf(await continued.text()).slice(1), [
      ['1', 'reasoning', { delta: 'Thought two.' }],
      ['2', 'delta', { delta: ' and whole.' }],
      [
        '3',
        'done',
        [
          { type: 'reasoning', text: 'Thought one.' },
          { type: 'reasoning', text: 'Thought two.' },
          { type: 'text', text: 'Half and whole.' },
        ],
      ],
    ]);
  });
});
