/**
 * A stream asked for again once its run's events are gone (here: the server restarted over the
 * same SQLite file, without Redis) is rebuilt from the stored answer: its reasoning items, its
 * function calls with their arguments and its text, with the live stream's event types and items
 * and the Response object's output indexes — on `/v1/responses` (read with the `openai` SDK, over
 * an OpenAI-compatible and an Anthropic upstream) and on the native stream. A resume from a
 * sequence number stays refused there.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config/config.ts';
import { createModelRegistry } from '../../src/providers/registry.ts';
import { createServer } from '../../src/server.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { allEvents } from '../support/background-client.ts';
import {
  anthropicBlocksReply,
  chunkFrame,
  type FakeReply,
  FakeOpenAIUpstream,
} from '../support/fake-openai-upstream.ts';
import { parseSse } from '../support/test-app.ts';

type StreamEvent = OpenAI.Responses.ResponseStreamEvent;

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

/** Reasoning in two pieces, then a call of `weather` whose arguments come in two pieces. */
const REASONING_THEN_CALL: FakeReply = {
  kind: 'raw-stream',
  intervalMs: 0,
  pieces: [
    chunkFrame({ role: 'assistant', content: null, reasoning_content: 'The tool ' }),
    chunkFrame({ reasoning_content: 'knows.' }),
    chunkFrame({
      tool_calls: [
        { index: 0, id: 'call_7', type: 'function', function: { name: 'weather', arguments: '' } },
      ],
    }),
    chunkFrame({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    chunkFrame({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
    chunkFrame({}, 'tool_calls'),
    'data: [DONE]\n\n',
  ],
};

/** Reasoning in two pieces, then the text in two. */
const REASONING_THEN_TEXT: FakeReply = {
  kind: 'raw-stream',
  intervalMs: 0,
  pieces: [
    chunkFrame({ role: 'assistant', content: null, reasoning_content: 'Two and ' }),
    chunkFrame({ reasoning_content: 'two.' }),
    chunkFrame({ content: 'Fo' }),
    chunkFrame({ content: 'ur.' }),
    chunkFrame({}, 'stop'),
    'data: [DONE]\n\n',
  ],
};

const DELTA_TYPES = new Set([
  'response.reasoning_summary_text.delta',
  'response.function_call_arguments.delta',
  'response.output_text.delta',
]);

/**
 * What a stream is made of, apart from how its pieces were cut: each event's type, output index
 * and item type, one delta standing for a run of deltas of one item.
 */
function shapeOf(events: readonly StreamEvent[]): string[] {
  const shape: string[] = [];
  for (const event of events) {
    const at = 'output_index' in event ? `@${event.output_index}` : '';
    const item = 'item' in event ? `:${event.item.type}` : '';
    const line = `${event.type}${at}${item}`;
    if (DELTA_TYPES.has(event.type) && shape.at(-1) === line) continue;
    shape.push(line);
  }
  return shape;
}

const doneItems = (events: readonly StreamEvent[]) =>
  events.flatMap((event) => (event.type === 'response.output_item.done' ? [event.item] : []));
/** The responses of the opening events (`response.created`, `response.in_progress`): nothing generated yet. */
const openingResponses = (events: readonly StreamEvent[]) =>
  events.flatMap((event) =>
    event.type === 'response.created' || event.type === 'response.in_progress' ? [event.response] : [],
  );
const finalResponse = (events: readonly StreamEvent[]) => {
  const last = events.at(-1);
  assert.ok(last?.type === 'response.completed', `the stream ended with ${last?.type}`);
  return last.response;
};

/** Reasoning, some text, then the connection breaks: the answer is kept incomplete. */
const REASONING_TEXT_THEN_RESET: FakeReply = {
  kind: 'raw-stream',
  pieces: [
    chunkFrame({ role: 'assistant', content: null, reasoning_content: 'Long sum.' }),
    chunkFrame({ content: 'Par' }),
  ],
  end: 'reset',
};

/** Anthropic's thinking (signed), a redacted block, some text, then a tool call. */
const THINKING_TEXT_AND_CALL = anthropicBlocksReply(
  [
    { type: 'thinking', thinking: 'The tool knows.', signature: 'sig-rs' },
    { type: 'redacted_thinking', data: 'secret' },
    { type: 'text', text: 'Let me check.' },
    { type: 'tool_use', id: 'toolu_9', name: 'weather', input: { city: 'Oslo' } },
  ],
  'tool_use',
);

interface Upstreams {
  readonly openai: FakeOpenAIUpstream;
  readonly anthropic: FakeOpenAIUpstream;
}

/** Parley over a SQLite file, listening on loopback; stopping it drops every run it holds. */
async function startParley(databasePath: string, upstreams: Upstreams) {
  const config = loadConfig({
    DATABASE_URL: `sqlite:${databasePath}`,
    OPENAI_API_KEY: 'sk-upstream',
    OPENAI_BASE_URL: upstreams.openai.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-upstream',
    ANTHROPIC_BASE_URL: upstreams.anthropic.baseUrl,
    PARLEY_DEFAULT_MODEL: 'fake-model',
    PARLEY_AUTO_TITLES: 'false',
  });
  const store = openSqliteStore({ path: databasePath });
  const parley = await createServer({ config, store, models: createModelRegistry(config) });
  const address = await parley.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    address,
    client: new OpenAI({ baseURL: `${address}/v1`, apiKey: 'unused', maxRetries: 0 }),
    async stop() {
      await parley.app.close();
      await store.close();
    },
  };
}

type Parley = Awaited<ReturnType<typeof startParley>>;

/**
 * A native stream's frames: the event names (one `delta` or `reasoning` for a run of them), the
 * text, the reasoning, the `done` message.
 */
function nativeShape(body: string) {
  const frames = parseSse(body);
  const names = frames
    .map((frame) => frame.event ?? '')
    .filter((name, index, all) => !(['delta', 'reasoning'].includes(name) && all[index - 1] === name));
  const joined = (event: string) =>
    frames
      .filter((frame) => frame.event === event)
      .map((frame) => (JSON.parse(frame.data) as { delta: string }).delta)
      .join('');
  const done = frames.find((frame) => frame.event === 'done');
  return {
    names,
    text: joined('delta'),
    reasoning: joined('reasoning'),
    done: done === undefined ? undefined : (JSON.parse(done.data) as unknown),
  };
}

describe('a stream rebuilt from the stored answer after its run events are gone', () => {
  let upstreams: Upstreams;
  let directory: string;
  let parley: Parley;
  /** What the first server streamed live. */
  const live: Record<'called' | 'answered' | 'anthropic' | 'broken', StreamEvent[]> = {
    called: [],
    answered: [],
    anthropic: [],
    broken: [],
  };
  let native: { conversationId: string; answerId: string; body: string };
  /** A native stream of reasoning then a tool call. */
  let nativeCall: { conversationId: string; answerId: string; body: string };

  before(async () => {
    upstreams = {
      openai: await FakeOpenAIUpstream.start(),
      anthropic: await FakeOpenAIUpstream.start('anthropic'),
    };
    directory = mkdtempSync(join(tmpdir(), 'parley-replay-'));
    const databasePath = join(directory, 'parley.sqlite');
    const first = await startParley(databasePath, upstreams);
    try {
      upstreams.openai.reply(REASONING_THEN_CALL, REASONING_THEN_TEXT);
      live.called = await allEvents(
        await first.client.responses.create({
          input: 'Weather in Oslo?',
          tools: [WEATHER_TOOL],
          reasoning: { summary: 'auto' },
          stream: true,
        }),
      );
      // No summary asked: the reasoning item streams without its summary events.
      live.answered = await allEvents(await first.client.responses.create({ input: '2+2?', stream: true }));
      upstreams.openai.reply(REASONING_TEXT_THEN_RESET);
      live.broken = await allEvents(
        await first.client.responses.create({
          input: 'Sum it all.',
          reasoning: { summary: 'auto' },
          stream: true,
        }),
      );
      upstreams.anthropic.reply(THINKING_TEXT_AND_CALL);
      live.anthropic = await allEvents(
        await first.client.responses.create({
          model: 'claude-fake',
          input: 'Weather in Oslo?',
          tools: [WEATHER_TOOL],
          reasoning: { effort: 'low', summary: 'auto' },
          include: ['reasoning.encrypted_content'],
          stream: true,
        }),
      );

      const conversation = (await (
        await fetch(`${first.address}/api/conversations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as { id: string };
      const streamNative = async (content: string) => {
        const streamed = await fetch(`${first.address}/api/conversations/${conversation.id}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ content, stream: true }),
        });
        const body = await streamed.text();
        const start = JSON.parse(parseSse(body)[0]?.data ?? '{}') as { message_id: string };
        return { conversationId: conversation.id, answerId: start.message_id, body };
      };
      upstreams.openai.reply(REASONING_THEN_TEXT);
      native = await streamNative('2+2?');
      upstreams.openai.reply(REASONING_THEN_CALL);
      nativeCall = await streamNative('Weather in Oslo?');
    } finally {
      await first.stop();
    }
    parley = await startParley(databasePath, upstreams);
  });

  after(async () => {
    await parley?.stop();
    await Promise.all([upstreams.openai.close(), upstreams.anthropic.close()]);
    rmSync(directory, { recursive: true, force: true });
  });

  test('reasoning then a function call: the live events and items, the stored output indexes', async () => {
    const streamed = live.called;
    const id = finalResponse(streamed).id;
    const rebuilt = await allEvents(await parley.client.responses.retrieve(id, { stream: true }));
    assert.deepEqual(shapeOf(rebuilt), shapeOf(streamed));
    assert.deepEqual(shapeOf(rebuilt), [
      'response.created',
      'response.in_progress',
      'response.output_item.added@0:reasoning',
      'response.reasoning_summary_part.added@0',
      'response.reasoning_summary_text.delta@0',
      'response.reasoning_summary_text.done@0',
      'response.reasoning_summary_part.done@0',
      'response.output_item.done@0:reasoning',
      'response.output_item.added@1:function_call',
      'response.function_call_arguments.delta@1',
      'response.function_call_arguments.done@1',
      'response.output_item.done@1:function_call',
      'response.completed',
    ]);
    assert.deepEqual(doneItems(rebuilt), doneItems(streamed));
    assert.deepEqual(openingResponses(rebuilt), openingResponses(streamed));
    assert.deepEqual(openingResponses(rebuilt)[0]?.output, []);
    const argumentsSent = rebuilt.flatMap((event) =>
      event.type === 'response.function_call_arguments.delta' ? [event.delta] : [],
    );
    assert.equal(argumentsSent.join(''), '{"city":"Oslo"}');

    const stored = await parley.client.responses.retrieve(id);
    assert.deepEqual(
      stored.output.map((item) => item.type),
      ['reasoning', 'function_call'],
    );
    assert.deepEqual(finalResponse(rebuilt).output, stored.output);
    assert.deepEqual(finalResponse(streamed).output, stored.output);
    for (const event of rebuilt) {
      if (event.type === 'response.output_item.done')
        assert.deepEqual(stored.output[event.output_index], event.item);
    }
  });

  test('reasoning then text, no summary asked: the reasoning item, then the message', async () => {
    const streamed = live.answered;
    const id = finalResponse(streamed).id;
    const rebuilt = await allEvents(await parley.client.responses.retrieve(id, { stream: true }));
    assert.deepEqual(shapeOf(rebuilt), shapeOf(streamed));
    assert.deepEqual(shapeOf(rebuilt).slice(2, 5), [
      'response.output_item.added@0:reasoning',
      'response.output_item.done@0:reasoning',
      'response.output_item.added@1:message',
    ]);
    assert.deepEqual(doneItems(rebuilt), doneItems(streamed));
    assert.deepEqual(openingResponses(rebuilt), openingResponses(streamed));
    const text = rebuilt.flatMap((event) =>
      event.type === 'response.output_text.delta' ? [event.delta] : [],
    );
    assert.equal(text.join(''), 'Four.');
    const stored = await parley.client.responses.retrieve(id);
    assert.deepEqual(finalResponse(rebuilt).output, stored.output);
    assert.equal(stored.output_text, 'Four.');
  });

  test('Anthropic: signed and redacted thinking, text and a call, as four items with their payloads', async () => {
    const streamed = live.anthropic;
    const id = finalResponse(streamed).id;
    const rebuilt = await allEvents(await parley.client.responses.retrieve(id, { stream: true }));
    assert.deepEqual(shapeOf(rebuilt), shapeOf(streamed));
    assert.deepEqual(doneItems(rebuilt), doneItems(streamed));
    assert.deepEqual(openingResponses(rebuilt), openingResponses(streamed));
    const stored = await parley.client.responses.retrieve(id);
    assert.deepEqual(
      stored.output.map((item) => item.type),
      ['reasoning', 'reasoning', 'message', 'function_call'],
    );
    assert.deepEqual(finalResponse(rebuilt).output, stored.output);
    const added = rebuilt.flatMap((event) =>
      event.type === 'response.output_item.added' ? [[event.output_index, event.item.type]] : [],
    );
    assert.deepEqual(
      added,
      stored.output.map((item, index) => [index, item.type]),
    );
    const [signed, redacted] = doneItems(rebuilt);
    assert.ok(signed?.type === 'reasoning' && redacted?.type === 'reasoning');
    assert.ok((signed.encrypted_content ?? '') !== '' && (redacted.encrypted_content ?? '') !== '');
  });

  test('an answer the upstream broke off: what came, then response.failed, as live', async () => {
    const streamed = live.broken;
    const failed = streamed.at(-1);
    assert.ok(failed?.type === 'response.failed', `the live stream ended with ${failed?.type}`);
    const rebuilt = await allEvents(
      await parley.client.responses.retrieve(failed.response.id, { stream: true }),
    );
    assert.deepEqual(shapeOf(rebuilt), shapeOf(streamed));
    const end = rebuilt.at(-1);
    assert.ok(end?.type === 'response.failed');
    assert.deepEqual(end.response.output, failed.response.output);
    assert.deepEqual(
      end.response.output.map((item) => item.type),
      ['reasoning', 'message'],
    );
    const stored = await parley.client.responses.retrieve(failed.response.id);
    assert.deepEqual(stored.output, end.response.output);
  });

  test('starting_after is still refused: the rebuilt events are numbered anew', async () => {
    for (const id of [live.called, live.answered].map((events) => finalResponse(events).id)) {
      await assert.rejects(
        parley.client.responses.retrieve(id, { stream: true, starting_after: 3 }),
        (error: unknown) => {
          assert.ok(error instanceof OpenAI.BadRequestError);
          assert.equal(error.param, 'starting_after');
          return true;
        },
      );
    }
  });

  test('the native stream of the stored answer: the live frames, the same stored message', async () => {
    const response = await fetch(
      `${parley.address}/api/conversations/${native.conversationId}/messages/${native.answerId}/events`,
    );
    assert.equal(response.status, 200);
    const rebuilt = nativeShape(await response.text());
    const streamed = nativeShape(native.body);
    assert.deepEqual(rebuilt.names, ['start', 'reasoning', 'delta', 'done']);
    assert.equal(rebuilt.reasoning, 'Two and two.');
    assert.deepEqual(rebuilt, streamed);
    const { message } = rebuilt.done as { message: { parts: { type: string }[] } };
    assert.deepEqual(
      message.parts.map((part) => part.type),
      ['reasoning', 'text'],
    );
  });

  test('the native stream of a stored tool call: its reasoning and the call, each whole', async () => {
    const response = await fetch(
      `${parley.address}/api/conversations/${nativeCall.conversationId}/messages/${nativeCall.answerId}/events`,
    );
    const frames = parseSse(await response.text());
    assert.deepEqual(
      frames.slice(1, -1).map((frame) => [frame.id, frame.event, JSON.parse(frame.data)]),
      [
        ['1', 'reasoning', { delta: 'The tool knows.' }],
        // 2 was the end of the reasoning, which the native stream does not send.
        ['3', 'tool_call', { index: 0, id: 'call_7', name: 'weather', arguments_delta: '{"city":"Oslo"}' }],
      ],
    );
    assert.deepEqual(
      frames.map((frame) => frame.event),
      ['start', 'reasoning', 'tool_call', 'done'],
    );
    // The live stream said the same in more pieces.
    const live = parseSse(nativeCall.body);
    const joined = (event: string, field: 'delta' | 'arguments_delta') =>
      live
        .filter((frame) => frame.event === event)
        .map((frame) => (JSON.parse(frame.data) as Record<string, string>)[field])
        .join('');
    assert.equal(joined('reasoning', 'delta'), 'The tool knows.');
    assert.equal(joined('tool_call', 'arguments_delta'), '{"city":"Oslo"}');
    assert.deepEqual(JSON.parse(frames.at(-1)?.data ?? '{}'), JSON.parse(live.at(-1)?.data ?? '{}'));
  });

  test('the native stream refuses a resume (Last-Event-ID or after) and serves after=0 whole', async () => {
    const events = `${parley.address}/api/conversations/${native.conversationId}/messages/${native.answerId}/events`;
    for (const [url, headers] of [
      [events, { 'last-event-id': '2' }],
      [`${events}?after=2`, {}],
    ] as const) {
      const response = await fetch(url, { headers });
      assert.equal(response.status, 400);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      assert.match(error.message, /no longer kept/);
    }
    const whole = await fetch(`${events}?after=0`);
    assert.deepEqual(nativeShape(await whole.text()), nativeShape(native.body));
  });
});
