/** The conversation core over a real SQLite store and a scripted model: turns, branches, failures. */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, it } from 'node:test';
import { type Script, scriptedRegistry } from '../../test/support/scripted-chat-model.ts';
import type { ParleyError } from '../errors.ts';
import { ProviderError } from '../providers/spec.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { type ConversationCore, createCore } from './core.ts';

const OWNER = 'local';
const never = new AbortController().signal;

function setup(scripts: Script[] = [], flushIntervalMs = 60_000) {
  const store: Store = openSqliteStore({ path: ':memory:' });
  const { registry, calls } = scriptedRegistry(scripts);
  const service = createCore({ store, models: registry, flushIntervalMs });
  return { store, service, calls, scripts };
}

async function ask(
  service: ConversationCore,
  question: string,
  parent?: { conversationId: string; answerId: string },
) {
  const turn = await service.generations.startTurn({
    owner: OWNER,
    question,
    ...(parent === undefined ? {} : { conversationId: parent.conversationId, parentId: parent.answerId }),
  });
  const result = await turn.generate(never);
  return { ...turn.ids, result };
}

describe('the conversation core', () => {
  let context: ReturnType<typeof setup>;
  beforeEach(() => {
    context = setup();
  });

  it('starts a conversation, storing the question and the finished answer', async () => {
    context.scripts.push({ deltas: ['Hel', 'lo!'], usage: { inputTokens: 3, outputTokens: 2 } });
    const first = await ask(context.service, 'Hi there');
    assert.equal(first.result.text, 'Hello!');
    assert.deepEqual(context.calls[0]?.prompt, [{ role: 'user', content: 'Hi there' }]);
    const { conversation, messages } = await context.service.tree.history(OWNER, first.conversationId);
    assert.equal(conversation.title, 'Hi there');
    assert.equal(conversation.model, 'scripted-model');
    assert.equal(conversation.currentNode, first.answerId);
    assert.deepEqual(
      messages.map((message) => [message.role, message.content, message.status, message.parentId]),
      [
        ['user', 'Hi there', 'completed', null],
        ['assistant', 'Hello!', 'completed', first.questionId],
      ],
    );
    assert.deepEqual(
      [messages[1]?.inputTokens, messages[1]?.outputTokens, messages[1]?.finishReason],
      [3, 2, 'stop'],
    );
    assert.equal(messages[1]?.provider, 'scripted');
  });

  it('continues along the path and branches from an older answer', async () => {
    context.scripts.push({ deltas: ['A1'] }, { deltas: ['A2'] }, { deltas: ['B2'] });
    const first = await ask(context.service, 'Q1');
    const second = await ask(context.service, 'Q2', first);
    assert.deepEqual(context.calls[1]?.prompt, [
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2' },
    ]);
    const branch = await ask(context.service, 'Q2 again, differently', first);
    // The branch sees the path to its parent only, never the sibling turn.
    assert.deepEqual(context.calls[2]?.prompt, [
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'Q2 again, differently' },
    ]);
    assert.equal(branch.conversationId, first.conversationId);
    const children = await context.store.getChildren(OWNER, first.conversationId, first.answerId);
    assert.deepEqual(
      children.map((message) => message.id),
      [second.questionId, branch.questionId],
    );
    const { conversation } = await context.service.tree.history(OWNER, first.conversationId);
    assert.equal(conversation.currentNode, branch.answerId);
  });

  it('rejects half of the ids, unknown ids, foreign owners and a parent of another conversation', async () => {
    const first = await ask(context.service, 'Q1');
    const other = await ask(context.service, 'Q1 elsewhere');
    await assert.rejects(
      context.service.generations.startTurn({ owner: OWNER, question: 'x', parentId: first.answerId }),
      (error: ParleyError) => error.status === 400,
    );
    await assert.rejects(
      context.service.generations.startTurn({
        owner: OWNER,
        question: 'x',
        conversationId: randomUUID(),
        parentId: first.answerId,
      }),
      (error: ParleyError) => error.status === 404 && /conversation/.test(error.message),
    );
    await assert.rejects(
      context.service.generations.startTurn({
        owner: OWNER,
        question: 'x',
        conversationId: first.conversationId,
        parentId: other.answerId,
      }),
      (error: ParleyError) => error.status === 404 && /message/.test(error.message),
    );
    await assert.rejects(
      context.service.generations.startTurn({
        owner: 'someone-else',
        question: 'x',
        ...{ conversationId: first.conversationId, parentId: first.answerId },
      }),
      (error: ParleyError) => error.status === 404,
    );
    await assert.rejects(
      context.service.tree.history('someone-else', first.conversationId),
      (error: ParleyError) => error.status === 404,
    );
    await assert.rejects(
      context.service.generations.startTurn({ owner: OWNER, question: 'x', model: 'unknown-model' }),
      (error: ParleyError) => error.code === 'UNKNOWN_MODEL' && error.status === 400,
    );
  });

  it('keeps the question and an in_progress answer before the model is called', async () => {
    const turn = await context.service.generations.startTurn({ owner: OWNER, question: 'Will you crash?' });
    assert.equal(context.calls.length, 0);
    const messages = await context.store.listMessages(OWNER, turn.ids.conversationId);
    assert.deepEqual(
      messages.map((message) => [message.role, message.status]),
      [
        ['user', 'completed'],
        ['assistant', 'in_progress'],
      ],
    );
    // What the next start does after a crash: the question stays, the answer reads incomplete.
    assert.equal(await context.store.markInterruptedMessages('interrupted', Date.now()), 1);
    const after = await context.store.listMessages(OWNER, turn.ids.conversationId);
    assert.deepEqual([after[0]?.content, after[1]?.status], ['Will you crash?', 'incomplete']);
  });

  it('streams events with increasing sequence numbers and flushes the growing text', async () => {
    context = setup([{ deltas: ['one ', 'two ', 'three'], usage: { inputTokens: 1, outputTokens: 3 } }], 0);
    const turn = await context.service.generations.startTurn({ owner: OWNER, question: 'count' });
    const seen: string[] = [];
    let sequence = 0;
    let text = '';
    for await (const event of turn.stream(never)) {
      assert.ok(event.sequence > sequence);
      sequence = event.sequence;
      if (event.type === 'text-delta') {
        // Events carry only what is new.
        seen.push(event.delta);
        text += event.delta;
        // Flushes are asynchronous; give the one scheduled for this delta a turn to land.
        await new Promise((resolve) => setImmediate(resolve));
        const stored = (await context.store.getPath(OWNER, turn.ids.conversationId, turn.ids.answerId)).at(
          -1,
        );
        assert.equal(stored?.content, text);
        assert.equal(stored?.status, 'in_progress');
      } else {
        assert.equal(event.type, 'finish');
        if (event.type === 'finish')
          assert.deepEqual([event.status, event.usage?.outputTokens], ['completed', 3]);
      }
    }
    assert.deepEqual(seen, ['one ', 'two ', 'three']);
    const stored = (await context.store.getPath(OWNER, turn.ids.conversationId, turn.ids.answerId)).at(-1);
    assert.deepEqual(
      [stored?.status, stored?.content, stored?.outputTokens],
      ['completed', 'one two three', 3],
    );
  });

  it('stores an answer that fails mid-stream as incomplete with its text and the error', async () => {
    const upstreamReset = new ProviderError('connection reset', { kind: 'network', provider: 'scripted' });
    context.scripts.push({ deltas: ['partial ', 'answer'], failAfter: { deltas: 1, error: upstreamReset } });
    const turn = await context.service.generations.startTurn({ owner: OWNER, question: 'q' });
    const texts: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of turn.stream(never))
          if (event.type === 'text-delta') texts.push(event.delta);
      })(),
      (error: ParleyError) => error.status === 502 && /connection reset/.test(error.message),
    );
    assert.deepEqual(texts, ['partial ']);
    const stored = (await context.store.listMessages(OWNER, turn.ids.conversationId))[1];
    assert.deepEqual([stored?.status, stored?.content], ['incomplete', 'partial ']);
    assert.match(stored?.error ?? '', /connection reset/);
  });

  it('stores an answer that fails before any text as failed, passing retry-after on', async () => {
    const limited = new ProviderError('upstream returned 429: slow down', {
      kind: 'http',
      provider: 'scripted',
      status: 429,
      retryAfterMs: 7_000,
    });
    context.scripts.push({ deltas: [], failAfter: { deltas: 0, error: limited } });
    const turn = await context.service.generations.startTurn({ owner: OWNER, question: 'q' });
    await assert.rejects(turn.generate(never), (error: ParleyError) => {
      return error.status === 429 && error.retryAfterSeconds === 7;
    });
    const stored = (await context.store.listMessages(OWNER, turn.ids.conversationId))[1];
    assert.deepEqual([stored?.status, stored?.content], ['failed', '']);
    assert.match(stored?.error ?? '', /429/);
  });

  it('stops the model when the reader stops early and keeps what arrived as incomplete', async () => {
    context.scripts.push({ deltas: ['a', 'b', 'c'], hang: true });
    const turn = await context.service.generations.startTurn({ owner: OWNER, question: 'q' });
    let text = '';
    for await (const event of turn.stream(never)) {
      if (event.type === 'text-delta') text += event.delta;
      if (text === 'ab') break;
    }
    assert.equal(context.calls[0]?.aborted, true);
    const stored = (await context.store.listMessages(OWNER, turn.ids.conversationId))[1];
    assert.deepEqual([stored?.status, stored?.content], ['incomplete', 'ab']);
  });

  it('stops the model when the client’s signal aborts, storing the answer as incomplete', async () => {
    context.scripts.push({ deltas: ['a'], hang: true });
    const turn = await context.service.generations.startTurn({ owner: OWNER, question: 'q' });
    const client = new AbortController();
    await assert.rejects(
      (async () => {
        for await (const _event of turn.stream(client.signal)) client.abort();
      })(),
      (error: ParleyError) => error.code === 'CANCELLED',
    );
    assert.equal(context.calls[0]?.aborted, true);
    const stored = (await context.store.listMessages(OWNER, turn.ids.conversationId))[1];
    assert.deepEqual([stored?.status, stored?.content], ['incomplete', 'a']);
  });

  it('marks an answer cut by the length limit incomplete', async () => {
    context.scripts.push({ deltas: ['cut'], finishReason: 'length' });
    const first = await ask(context.service, 'long question');
    assert.equal(first.result.status, 'incomplete');
    const stored = (await context.store.listMessages(OWNER, first.conversationId))[1];
    assert.deepEqual([stored?.status, stored?.finishReason], ['incomplete', 'length']);
  });

  it('on shutdown stops what is generating and refuses new turns', async () => {
    context.scripts.push({ deltas: ['x'], hang: true });
    const turn = await context.service.generations.startTurn({ owner: OWNER, question: 'q' });
    const pending = turn.generate(never);
    await new Promise((resolve) => setImmediate(resolve));
    context.service.shutdown();
    await assert.rejects(pending, (error: ParleyError) => error.code === 'SHUTTING_DOWN');
    const stored = (await context.store.listMessages(OWNER, turn.ids.conversationId))[1];
    assert.equal(stored?.status, 'incomplete');
    await assert.rejects(
      context.service.generations.startTurn({ owner: OWNER, question: 'q' }),
      (error: ParleyError) => error.status === 503,
    );
  });

  it('refuses to continue over parts the model cannot take, before the answer is reopened', async () => {
    const conversationId = randomUUID();
    const [question, answer] = [randomUUID(), randomUUID()];
    await context.store.beginTurn({
      owner: OWNER,
      conversationId,
      newConversation: { id: conversationId, title: null, model: 'scripted-model' },
      messages: [
        {
          id: question,
          parentId: null,
          role: 'user',
          content: 'What is in this picture?',
          parts: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image', url: 'https://example.com/cat.png' },
          ],
          status: 'completed',
        },
        // Cut by the length limit: an answer a client may continue.
        { id: answer, parentId: question, role: 'assistant', content: 'A c', status: 'incomplete' },
      ],
      now: 1_000,
    });
    await assert.rejects(
      context.service.generations.continueAnswer(OWNER, conversationId, answer),
      (error: ParleyError) => error.status === 400 && /does not take image parts/.test(error.message),
    );
    assert.equal(context.calls.length, 0, 'no upstream call');
    assert.equal((await context.store.getMessage(OWNER, answer))?.status, 'incomplete', 'not reopened');
  });

  it('names the model when a title is asked of a conversation whose model nobody serves', async () => {
    context.scripts.push({ deltas: ['Hello'] });
    const first = await ask(context.service, 'Hi');
    await context.store.updateConversation(OWNER, first.conversationId, { model: 'unknown-model' }, 2_000);
    await assert.rejects(
      context.service.titles.generate(OWNER, first.conversationId),
      (error: ParleyError) => error.code === 'UNKNOWN_MODEL' && /unknown-model/.test(error.message),
    );
  });

  it('renames, lists and deletes, with foreign owners seeing nothing', async () => {
    const first = await ask(context.service, 'Q1');
    await context.service.tree.setTitle(OWNER, first.conversationId, 'Renamed');
    assert.equal((await context.service.tree.list(OWNER, 0, 10)).items[0]?.title, 'Renamed');
    await assert.rejects(
      context.service.tree.setTitle('other', first.conversationId, 'x'),
      (error: ParleyError) => error.status === 404,
    );
    await assert.rejects(
      context.service.tree.delete('other', first.conversationId),
      (error: ParleyError) => error.status === 404,
    );
    await context.service.tree.delete(OWNER, first.conversationId);
    await assert.rejects(
      context.service.tree.history(OWNER, first.conversationId),
      (error: ParleyError) => error.status === 404,
    );
    await assert.rejects(
      context.service.generations.startTurn({
        owner: OWNER,
        question: 'x',
        conversationId: first.conversationId,
        parentId: first.answerId,
      }),
      (error: ParleyError) => error.status === 404,
    );
  });
});

describe('the conversation core on a long conversation', () => {
  /** A conversation of `length` short messages written in one call; returns its last answer. */
  async function longConversation(store: Store, length: number) {
    const conversationId = randomUUID();
    const ids = Array.from({ length }, () => randomUUID());
    await store.beginTurn({
      owner: OWNER,
      conversationId,
      newConversation: { id: conversationId, title: null, model: 'scripted-model' },
      messages: ids.map((id, index) => ({
        id,
        parentId: ids[index - 1] ?? null,
        role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
        content: `message number ${index}`,
        status: 'completed' as const,
      })),
      now: 1_000,
    });
    return { conversationId, answerId: ids.at(-1) ?? '' };
  }

  /** A service whose model windows are capped at `maxContextTokens`. */
  function withWindow(maxContextTokens: number) {
    const store = openSqliteStore({ path: ':memory:' });
    const { registry, calls } = scriptedRegistry([]);
    const service = createCore({
      store,
      models: registry,
      flushIntervalMs: 60_000,
      context: { maxContextTokens },
    });
    return { store, service, calls };
  }

  const contextOf = async (store: Store, answerId: string) =>
    ((await store.getMessage(OWNER, answerId))?.context ?? {}) as {
      sent_messages: number;
      dropped_messages: number;
    };

  it('sends what the window holds of a path longer than it reads at first, counting what it left out', async () => {
    // 4,096 tokens of window: a few hundred of these messages fit, far fewer than the 3,001.
    const { store, service, calls } = withWindow(4_096);
    const parent = await longConversation(store, 3_001);
    const turn = await ask(service, 'and now?', parent);
    const prompt = calls.at(-1)?.prompt ?? [];
    assert.equal(prompt.at(-1)?.content, 'and now?');
    assert.equal(prompt.at(-2)?.content, 'message number 3000', 'the newest history is sent');
    const context = await contextOf(store, turn.answerId);
    assert.equal(context.sent_messages, prompt.length);
    assert.equal(context.dropped_messages, 3_001 + 1 - prompt.length, 'every message left out is counted');
  });

  it('reads the whole path when all it read first fits the window', async () => {
    const { store, service, calls } = withWindow(1_000_000);
    const parent = await longConversation(store, 2_501);
    await ask(service, 'everything?', parent);
    const prompt = calls.at(-1)?.prompt ?? [];
    assert.equal(prompt.length, 2_502, 'the whole path and the question');
    assert.equal(prompt[0]?.content, 'message number 0');
  });
});
