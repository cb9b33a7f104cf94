/**
 * The Store contract: one suite of tests that every Store implementation must pass (SQLite now,
 * PostgreSQL later). Call `describeStoreContract` from the implementation's test file with a
 * factory that returns a fresh, empty store.
 */

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ImportedMessage, NewMessage, PartRecord, Store } from './store.ts';

export type StoreFactory = () => Promise<Store>;

const ALICE = 'principal:alice';
const BOB = 'principal:bob';

/** Writes a conversation of finished messages (user, assistant, ...) in one turn; returns the ids. */
async function writeConversation(store: Store, owner: string, title: string, texts: string[], now = 1_000) {
  const conversationId = randomUUID();
  const ids = texts.map(() => randomUUID());
  await store.beginTurn({
    owner,
    conversationId,
    newConversation: { id: conversationId, title, model: null },
    messages: texts.map((content, index) => ({
      id: ids[index] ?? '',
      parentId: index === 0 ? null : (ids[index - 1] ?? null),
      role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content,
      status: 'completed' as const,
    })),
    now,
  });
  return { conversationId, ids };
}

/** Starts a conversation with a user question and an in-progress answer; returns their ids. */
async function startConversation(store: Store, owner = ALICE, now = 1_000) {
  const conversationId = randomUUID();
  const question = randomUUID();
  const answer = randomUUID();
  const written = await store.beginTurn({
    owner,
    conversationId,
    newConversation: { id: conversationId, title: null, model: 'model-a' },
    messages: [
      { id: question, parentId: null, role: 'user', content: 'hello', status: 'completed' },
      {
        id: answer,
        parentId: question,
        role: 'assistant',
        content: '',
        status: 'in_progress',
        model: 'model-a',
        provider: 'fake',
      },
    ],
    now,
  });
  assert.equal(written, true);
  return { conversationId, question, answer };
}

function turn(parentId: string, text: string): [NewMessage, NewMessage] {
  const question = randomUUID();
  return [
    { id: question, parentId, role: 'user', content: text, status: 'completed' },
    { id: randomUUID(), parentId: question, role: 'assistant', content: '', status: 'in_progress' },
  ];
}

/** A message to import: the given fields, the rest empty (a completed message, edited never). */
export function importedMessage(
  fields: Pick<
    ImportedMessage,
    'id' | 'conversationId' | 'parentId' | 'role' | 'content' | 'context' | 'createdAt'
  >,
): ImportedMessage {
  return {
    model: null,
    provider: null,
    status: 'completed',
    finishReason: null,
    inputTokens: null,
    outputTokens: null,
    error: null,
    requestOptions: null,
    deletedAt: null,
    upstreamConversationId: null,
    upstreamMessageId: null,
    updatedAt: fields.createdAt,
    ...fields,
  };
}

export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    it('writes a new conversation and its first turn in one call, moving current_node', async () => {
      const { conversationId, question, answer } = await startConversation(store);
      const conversation = await store.getConversation(ALICE, conversationId);
      assert.ok(conversation);
      assert.equal(conversation.currentNode, answer);
      assert.equal(conversation.model, 'model-a');
      assert.equal(conversation.createdAt, 1_000);
      const messages = await store.listMessages(ALICE, conversationId);
      assert.deepEqual(
        messages.map((message) => [message.id, message.parentId, message.role, message.status]),
        [
          [question, null, 'user', 'completed'],
          [answer, question, 'assistant', 'in_progress'],
        ],
      );
      assert.equal(messages[1]?.provider, 'fake');
    });

    it('a failing turn writes nothing (the transaction rolls back)', async () => {
      const { conversationId, answer } = await startConversation(store);
      const [question, reply] = turn(answer, 'second');
      // The second message reuses an existing id: the insert fails after the first succeeded.
      await assert.rejects(
        store.beginTurn({
          owner: ALICE,
          conversationId,
          messages: [question, { ...reply, id: answer }],
          now: 2_000,
        }),
      );
      const messages = await store.listMessages(ALICE, conversationId);
      assert.equal(messages.length, 2);
      assert.equal((await store.getConversation(ALICE, conversationId))?.currentNode, answer);
    });

    it('refuses a turn on another owner’s conversation and writes nothing', async () => {
      const { conversationId, answer } = await startConversation(store);
      const written = await store.beginTurn({
        owner: BOB,
        conversationId,
        messages: turn(answer, 'intrusion'),
        now: 2_000,
      });
      assert.equal(written, false);
      assert.equal((await store.listMessages(ALICE, conversationId)).length, 2);
    });

    it('reads another owner’s conversation as not found on every read', async () => {
      const { conversationId, question, answer } = await startConversation(store);
      assert.equal(await store.getConversation(BOB, conversationId), undefined);
      assert.deepEqual(await store.listMessages(BOB, conversationId), []);
      assert.deepEqual(await store.getPath(BOB, conversationId, answer), []);
      assert.deepEqual(await store.getChildren(BOB, conversationId, question), []);
      assert.equal((await store.listConversations(BOB, 0, 10)).total, 0);
      assert.equal(await store.setTitle(BOB, conversationId, 'x', 2_000), false);
      assert.equal(await store.deleteConversation(BOB, conversationId, 2_000), false);
      assert.ok(await store.getConversation(ALICE, conversationId));
    });

    it('builds the path from a node to the root, root first, across branches', async () => {
      const { conversationId, answer: firstAnswer } = await startConversation(store);
      const second = turn(firstAnswer, 'second');
      await store.beginTurn({ owner: ALICE, conversationId, messages: second, now: 2_000 });
      const third = turn(second[1].id, 'third');
      await store.beginTurn({ owner: ALICE, conversationId, messages: third, now: 3_000 });
      // A branch: another question under the first answer.
      const branch = turn(firstAnswer, 'branch');
      await store.beginTurn({ owner: ALICE, conversationId, messages: branch, now: 4_000 });

      const path = await store.getPath(ALICE, conversationId, third[1].id);
      assert.deepEqual(
        path.map((message) => message.content || message.role),
        ['hello', 'assistant', 'second', 'assistant', 'third', 'assistant'],
      );
      const branchPath = await store.getPath(ALICE, conversationId, branch[1].id);
      assert.deepEqual(
        branchPath.map((message) => message.content || message.role),
        ['hello', 'assistant', 'branch', 'assistant'],
      );
      const children = await store.getChildren(ALICE, conversationId, firstAnswer);
      assert.deepEqual(
        children.map((message) => message.content),
        ['second', 'branch'],
      );
      const roots = await store.getChildren(ALICE, conversationId, null);
      assert.equal(roots.length, 1);
      assert.equal((await store.getConversation(ALICE, conversationId))?.currentNode, branch[1].id);
    });

    it('reads only the newest part of a path when asked, and counts a path without reading it', async () => {
      const conversationId = randomUUID();
      const ids = Array.from({ length: 7 }, () => randomUUID());
      await store.beginTurn({
        owner: ALICE,
        conversationId,
        newConversation: { id: conversationId, title: null, model: null },
        messages: ids.map((id, index) => ({
          id,
          parentId: ids[index - 1] ?? null,
          role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
          content: `message ${index}`,
          status: 'completed' as const,
        })),
        now: 1_000,
      });
      const leaf = ids[6] ?? '';
      const newest = await store.getPath(ALICE, conversationId, leaf, 3);
      assert.deepEqual(
        newest.map((message) => message.id),
        ids.slice(4),
      );
      assert.equal((await store.getPath(ALICE, conversationId, leaf, 100)).length, 7);
      assert.equal(await store.countPath(ALICE, conversationId, leaf), 7);
      assert.equal(await store.countPath(ALICE, conversationId, ids[2] ?? ''), 3);
      assert.equal(await store.countPath(BOB, conversationId, leaf), 0, 'another owner counts nothing');
    });

    it('finds no path for an unknown message or a message of another conversation', async () => {
      const first = await startConversation(store);
      const second = await startConversation(store);
      assert.deepEqual(await store.getPath(ALICE, first.conversationId, randomUUID()), []);
      assert.deepEqual(await store.getPath(ALICE, first.conversationId, second.answer), []);
    });

    it('walks a deep path in one call', async () => {
      const { conversationId, answer } = await startConversation(store);
      let parent: string = answer;
      for (let index = 0; index < 300; index++) {
        const messages = turn(parent, `q${index}`);
        await store.beginTurn({ owner: ALICE, conversationId, messages, now: 2_000 + index });
        parent = messages[1].id;
      }
      const path = await store.getPath(ALICE, conversationId, parent);
      assert.equal(path.length, 602);
      assert.equal(path[0]?.parentId, null);
      assert.equal(path.at(-1)?.id, parent);
      for (let index = 1; index < path.length; index++)
        assert.equal(path[index]?.parentId, path[index - 1]?.id);
    });

    it('updates an answer as it streams and when it ends', async () => {
      const { conversationId, answer } = await startConversation(store);
      await store.updateMessage(answer, { content: 'Hel', status: 'in_progress', now: 1_500 });
      let message = (await store.getPath(ALICE, conversationId, answer)).at(-1);
      assert.equal(message?.content, 'Hel');
      assert.equal(message?.status, 'in_progress');
      await store.updateMessage(answer, {
        content: 'Hello!',
        status: 'completed',
        finishReason: 'stop',
        inputTokens: 5,
        outputTokens: 2,
        now: 2_000,
      });
      message = (await store.getPath(ALICE, conversationId, answer)).at(-1);
      assert.deepEqual(
        [
          message?.content,
          message?.status,
          message?.finishReason,
          message?.inputTokens,
          message?.outputTokens,
        ],
        ['Hello!', 'completed', 'stop', 5, 2],
      );
      assert.equal(message?.updatedAt, 2_000);
      assert.equal(message?.error, null);
    });

    it('records where a stateful upstream keeps a turn’s messages', async () => {
      const { conversationId, question, answer } = await startConversation(store);
      const before = await store.getPath(ALICE, conversationId, answer);
      assert.deepEqual(
        before.map((message) => [message.upstreamConversationId, message.upstreamMessageId]),
        [
          [null, null],
          [null, null],
        ],
      );
      await store.setUpstreamRefs([
        { messageId: question, upstreamConversationId: 'up-conv', upstreamMessageId: 'up-question' },
        { messageId: answer, upstreamConversationId: 'up-conv', upstreamMessageId: 'up-answer' },
      ]);
      const after = await store.getPath(ALICE, conversationId, answer);
      assert.deepEqual(
        after.map((message) => [message.upstreamConversationId, message.upstreamMessageId]),
        [
          ['up-conv', 'up-question'],
          ['up-conv', 'up-answer'],
        ],
      );
    });

    it('keeps parts exactly: images by URL and by bytes (stored once, per owner), files, tool calls and results', async () => {
      const pixel = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
      const pixelHash = createHash('sha256').update(pixel).digest('hex');
      const pdf = new TextEncoder().encode('%PDF-1.4 tiny');
      const pdfHash = createHash('sha256').update(pdf).digest('hex');
      const conversationId = randomUUID();
      const question = randomUUID();
      const answer = randomUUID();
      const questionParts: PartRecord[] = [
        { type: 'text', text: 'What is in ' },
        { type: 'image', url: 'https://example.com/cat.png', detail: 'low' },
        { type: 'text', text: 'and here?' },
        { type: 'image', attachment: pixelHash, mediaType: 'image/png' },
        { type: 'file', attachment: pdfHash, mediaType: 'application/pdf', filename: 'a.pdf' },
      ];
      assert.equal(
        await store.beginTurn({
          owner: ALICE,
          conversationId,
          newConversation: { id: conversationId, title: null, model: 'model-a' },
          messages: [
            {
              id: question,
              parentId: null,
              role: 'user',
              content: 'What is in and here?',
              parts: questionParts,
              status: 'completed',
            },
            { id: answer, parentId: question, role: 'assistant', content: '', status: 'in_progress' },
          ],
          attachments: [
            { sha256: pixelHash, data: pixel },
            { sha256: pdfHash, data: pdf },
          ],
          now: 1_000,
        }),
        true,
      );
      // The answer's parts are written once, when it is complete.
      const answerParts: PartRecord[] = [
        { type: 'reasoning', text: 'think', encrypted: 'opaque==' },
        { type: 'text', text: 'Let me look.' },
        { type: 'tool-call', callId: 'call_1', name: 'lookup', arguments: '{"q":"cat"}' },
      ];
      await store.updateMessage(answer, {
        content: 'Let me look.',
        parts: answerParts,
        status: 'completed',
        finishReason: 'tool-calls',
        now: 1_100,
      });
      const path = await store.getPath(ALICE, conversationId, answer);
      assert.deepEqual(
        path.map((message) => [message.content, message.parts]),
        [
          ['What is in and here?', questionParts],
          ['Let me look.', answerParts],
        ],
      );
      // A second conversation sending the same bytes: stored once, readable by each owner that sent them.
      const again = randomUUID();
      await store.beginTurn({
        owner: BOB,
        conversationId: again,
        newConversation: { id: again, title: null, model: null },
        messages: [
          {
            id: randomUUID(),
            parentId: null,
            role: 'user',
            content: '',
            parts: [{ type: 'image', attachment: pixelHash, mediaType: 'image/png' }],
            status: 'completed',
          },
        ],
        attachments: [{ sha256: pixelHash, data: pixel }],
        now: 1_200,
      });
      const alices = await store.getAttachments(ALICE, [pixelHash, pdfHash, 'f'.repeat(64)]);
      assert.deepEqual([...alices.keys()].sort(), [pixelHash, pdfHash].sort());
      assert.deepEqual(new Uint8Array(alices.get(pixelHash) ?? []), pixel);
      assert.deepEqual(new Uint8Array(alices.get(pdfHash) ?? []), pdf);
      // Bob sent the pixel but never the PDF: its hash alone does not open it.
      const bobs = await store.getAttachments(BOB, [pixelHash, pdfHash]);
      assert.deepEqual([...bobs.keys()], [pixelHash]);
      // A text-only message reads as one text part (rows written before parts existed, too).
      const plain = await startConversation(store);
      assert.deepEqual((await store.getMessage(ALICE, plain.question))?.parts, [
        { type: 'text', text: 'hello' },
      ]);
      assert.deepEqual((await store.getMessage(ALICE, plain.answer))?.parts, []);
    });

    it('reopens a finished answer for one continuation at a time, for its owner only', async () => {
      const { conversationId, answer } = await startConversation(store);
      await store.updateMessage(answer, { content: 'cut', status: 'incomplete', error: 'x', now: 1_500 });
      assert.equal(await store.reopenAnswer(BOB, conversationId, answer, 'replica-b', 1_600), false);
      const tries = await Promise.all(
        [1, 2, 3, 4].map(() => store.reopenAnswer(ALICE, conversationId, answer, 'replica-a', 1_700)),
      );
      assert.deepEqual(
        tries.filter((won) => won),
        [true],
      );
      const reopened = (await store.getPath(ALICE, conversationId, answer)).at(-1);
      assert.deepEqual([reopened?.status, reopened?.content, reopened?.error], ['in_progress', 'cut', null]);
      assert.equal((await store.getConversation(ALICE, conversationId))?.currentNode, answer);
    });

    it("keeps a reopened answer's parts through its in-progress writes, until it completes", async () => {
      const { conversationId, answer } = await startConversation(store);
      const first: PartRecord[] = [
        { type: 'reasoning', text: 'think', encrypted: 'opaque==' },
        { type: 'text', text: 'cut' },
      ];
      await store.updateMessage(answer, { content: 'cut', parts: first, status: 'incomplete', now: 1_500 });
      assert.equal(await store.reopenAnswer(ALICE, conversationId, answer, 'replica-a', 1_600), true);
      // The continuation's periodic writes carry text only: the earlier reasoning stays stored.
      await store.updateMessage(answer, { content: 'cut and more', status: 'in_progress', now: 1_700 });
      assert.deepEqual((await store.getMessage(ALICE, answer))?.parts, first);
      const last: PartRecord[] = [...first.slice(0, 1), { type: 'text', text: 'cut and more, done' }];
      await store.updateMessage(answer, {
        content: 'cut and more, done',
        parts: last,
        status: 'completed',
        now: 1_800,
      });
      assert.deepEqual((await store.getMessage(ALICE, answer))?.parts, last);
    });

    it('marks interrupted generations incomplete, keeping their text', async () => {
      const { conversationId, answer } = await startConversation(store);
      await store.updateMessage(answer, { content: 'partial', status: 'in_progress', now: 1_500 });
      const done = await startConversation(store);
      await store.updateMessage(done.answer, { content: 'ok', status: 'completed', now: 1_500 });
      assert.equal(await store.markInterruptedMessages('server stopped', 5_000), 1);
      const message = (await store.getPath(ALICE, conversationId, answer)).at(-1);
      assert.deepEqual(
        [message?.status, message?.content, message?.error],
        ['incomplete', 'partial', 'server stopped'],
      );
      const other = (await store.getPath(ALICE, done.conversationId, done.answer)).at(-1);
      assert.equal(other?.status, 'completed');
    });

    it('lists conversations newest first with offset, limit and total', async () => {
      const ids: string[] = [];
      for (let index = 0; index < 5; index++)
        ids.push((await startConversation(store, ALICE, 1_000 + index)).conversationId);
      await startConversation(store, BOB, 9_000);
      const firstPage = await store.listConversations(ALICE, 0, 2);
      assert.equal(firstPage.total, 5);
      assert.deepEqual(
        firstPage.items.map((conversation) => conversation.id),
        [ids[4], ids[3]],
      );
      const lastPage = await store.listConversations(ALICE, 4, 2);
      assert.deepEqual(
        lastPage.items.map((conversation) => conversation.id),
        [ids[0]],
      );
    });

    it('sets a title and soft-deletes a conversation out of every read', async () => {
      const { conversationId, answer } = await startConversation(store);
      assert.equal(await store.setTitle(ALICE, conversationId, 'Greetings', 2_000), true);
      const conversation = await store.getConversation(ALICE, conversationId);
      assert.equal(conversation?.title, 'Greetings');
      assert.equal(conversation?.updatedAt, 2_000);

      assert.equal(await store.deleteConversation(ALICE, conversationId, 3_000), true);
      assert.equal(await store.getConversation(ALICE, conversationId), undefined);
      assert.deepEqual(await store.listMessages(ALICE, conversationId), []);
      assert.deepEqual(await store.getPath(ALICE, conversationId, answer), []);
      assert.equal((await store.listConversations(ALICE, 0, 10)).total, 0);
      assert.equal(await store.setTitle(ALICE, conversationId, 'again', 4_000), false);
      assert.equal(await store.deleteConversation(ALICE, conversationId, 4_000), false);
      const written = await store.beginTurn({
        owner: ALICE,
        conversationId,
        messages: turn(answer, 'after delete'),
        now: 5_000,
      });
      assert.equal(written, false);
    });

    it('appends after the current node read inside the transaction, ignoring the given parent', async () => {
      const { conversationId, answer } = await startConversation(store);
      const [question, reply] = turn('ignored-parent', 'appended');
      assert.equal(
        await store.beginTurn({
          owner: ALICE,
          conversationId,
          messages: [question, reply],
          appendToCurrentNode: true,
          now: 2_000,
        }),
        true,
      );
      const path = await store.getPath(ALICE, conversationId, reply.id);
      assert.deepEqual(path.map((message) => message.id).slice(-3), [answer, question.id, reply.id]);
      assert.equal((await store.getConversation(ALICE, conversationId))?.currentNode, reply.id);
    });

    it('keeps metadata and request options, and replaces metadata', async () => {
      const conversationId = randomUUID();
      const answer = randomUUID();
      await store.beginTurn({
        owner: ALICE,
        conversationId,
        newConversation: { id: conversationId, title: null, model: null, metadata: { topic: 'tests' } },
        messages: [
          {
            id: answer,
            parentId: null,
            role: 'assistant',
            content: '',
            status: 'in_progress',
            requestOptions: { temperature: 0.5 },
          },
        ],
        now: 1_000,
      });
      assert.deepEqual((await store.getConversation(ALICE, conversationId))?.metadata, { topic: 'tests' });
      assert.deepEqual((await store.getMessage(ALICE, answer))?.requestOptions, { temperature: 0.5 });
      assert.equal(await store.setMetadata(ALICE, conversationId, { a: '1', b: '2' }, 2_000), true);
      assert.deepEqual((await store.getConversation(ALICE, conversationId))?.metadata, { a: '1', b: '2' });
      assert.equal(await store.setMetadata(BOB, conversationId, {}, 3_000), false);
      const empty = await startConversation(store);
      assert.deepEqual((await store.getConversation(ALICE, empty.conversationId))?.metadata, {});
    });

    it('reads one message by id for its owner only, and soft-deletes it out of getMessage', async () => {
      const { conversationId, question, answer } = await startConversation(store);
      const message = await store.getMessage(ALICE, answer);
      assert.equal(message?.conversationId, conversationId);
      assert.equal(message?.deletedAt, null);
      assert.equal(await store.getMessage(BOB, answer), undefined);
      assert.equal(await store.deleteMessage(BOB, conversationId, question, 2_000), false);
      assert.equal(await store.deleteMessage(ALICE, conversationId, question, 2_000), true);
      assert.equal(await store.deleteMessage(ALICE, conversationId, question, 3_000), false);
      assert.equal(await store.getMessage(ALICE, question), undefined);
      // It stays in the tree, marked, so its children still hang from it.
      const path = await store.getPath(ALICE, conversationId, answer);
      assert.deepEqual(
        path.map((entry) => [entry.id, entry.deletedAt]),
        [
          [question, 2_000],
          [answer, null],
        ],
      );
    });

    it('pages conversations by creation with a cursor, both ways, scoped to the owner', async () => {
      const ids: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        ids.push((await startConversation(store, ALICE, 1_000 + index)).conversationId);
      }
      const foreign = (await startConversation(store, BOB, 1_002)).conversationId;
      const first = await store.listConversationsAfter(ALICE, { order: 'asc', limit: 2 });
      assert.deepEqual(
        first.items.map((conversation) => conversation.id),
        ids.slice(0, 2),
      );
      assert.equal(first.hasMore, true);
      const rest = await store.listConversationsAfter(ALICE, {
        order: 'asc',
        limit: 10,
        after: String(ids[1]),
      });
      assert.deepEqual(
        rest.items.map((conversation) => conversation.id),
        ids.slice(2),
      );
      assert.equal(rest.hasMore, false);
      const newest = await store.listConversationsAfter(ALICE, {
        order: 'desc',
        limit: 2,
        after: String(ids[3]),
      });
      assert.deepEqual(
        newest.items.map((conversation) => conversation.id),
        [ids[2], ids[1]],
      );
      const viaForeign = await store.listConversationsAfter(ALICE, {
        order: 'asc',
        limit: 10,
        after: foreign,
      });
      assert.deepEqual(viaForeign.items, []);
    });

    it('pages conversations by last activity with a cursor, both ways', async () => {
      const ids: string[] = [];
      for (let index = 0; index < 3; index += 1) {
        ids.push((await startConversation(store, ALICE, 1_000 + index)).conversationId);
      }
      await startConversation(store, BOB, 9_000);
      // The oldest one gets activity: it comes first by activity, still last by creation.
      assert.equal(await store.updateConversation(ALICE, String(ids[0]), { title: 'Renamed' }, 5_000), true);
      const byActivity = await store.listConversationsAfter(ALICE, {
        order: 'desc',
        by: 'updated',
        limit: 2,
      });
      assert.deepEqual(
        byActivity.items.map((conversation) => conversation.id),
        [ids[0], ids[2]],
      );
      assert.equal(byActivity.hasMore, true);
      const rest = await store.listConversationsAfter(ALICE, {
        order: 'desc',
        by: 'updated',
        limit: 2,
        after: String(ids[2]),
      });
      assert.deepEqual(
        rest.items.map((conversation) => conversation.id),
        [ids[1]],
      );
      assert.equal(rest.hasMore, false);
      const oldestFirst = await store.listConversationsAfter(ALICE, {
        order: 'asc',
        by: 'updated',
        limit: 10,
      });
      assert.deepEqual(
        oldestFirst.items.map((conversation) => conversation.id),
        [ids[1], ids[2], ids[0]],
      );
      const byCreation = await store.listConversationsAfter(ALICE, { order: 'desc', limit: 10 });
      assert.deepEqual(
        byCreation.items.map((conversation) => conversation.id),
        [ids[2], ids[1], ids[0]],
      );
    });

    it('answers a ping while open and refuses once closed', async () => {
      await store.ping();
      const other = await factory();
      await other.close();
      await assert.rejects(other.ping());
    });

    it('deletes all of one owner’s conversations and no one else’s', async () => {
      await startConversation(store, ALICE);
      await startConversation(store, ALICE);
      const bobs = await startConversation(store, BOB);
      assert.equal(await store.deleteAllConversations(ALICE, 5_000), 2);
      assert.equal((await store.listConversations(ALICE, 0, 10)).total, 0);
      assert.ok(await store.getConversation(BOB, bobs.conversationId));
      assert.equal(await store.deleteAllConversations(ALICE, 6_000), 0);
    });

    it('records usage and sums it by owner, key, model and UTC day', async () => {
      const day = Date.UTC(2026, 10, 24, 12);
      const row = {
        owner: ALICE,
        keyId: 'key-a',
        conversationId: null,
        messageId: null,
        model: 'model-a',
        provider: 'fake',
        inputTokens: 10,
        outputTokens: 5,
        tokensCounted: false,
        cost: 0.5,
        latencyMs: 20,
        firstTokenMs: 3,
        status: 'completed',
        createdAt: day,
      };
      await store.recordUsage([row, { ...row, inputTokens: 1, outputTokens: 1, cost: 0.25 }]);
      await store.recordUsage([{ ...row, createdAt: day + 86_400_000 }]);
      await store.recordUsage([{ ...row, owner: BOB, keyId: 'key-b', cost: null }]);
      await store.recordUsage([]);
      const alice = await store.summarizeUsage({ owner: ALICE });
      assert.deepEqual(alice, [
        {
          owner: ALICE,
          keyId: 'key-a',
          model: 'model-a',
          day: '2026-11-24',
          requests: 2,
          inputTokens: 11,
          outputTokens: 6,
          cost: 0.75,
        },
        {
          owner: ALICE,
          keyId: 'key-a',
          model: 'model-a',
          day: '2026-11-25',
          requests: 1,
          inputTokens: 10,
          outputTokens: 5,
          cost: 0.5,
        },
      ]);
      const firstDay = await store.summarizeUsage({ from: day - 1, to: day + 1 });
      assert.deepEqual(
        firstDay.map((entry) => [entry.owner, entry.requests, entry.cost]),
        [
          [ALICE, 2, 0.75],
          [BOB, 1, null],
        ],
      );
    });

    it('keeps the first value of a setting', async () => {
      assert.equal(await store.ensureSetting('secret', 'one'), 'one');
      assert.equal(await store.ensureSetting('secret', 'two'), 'one');
    });

    it('finds a live conversation for an admin whoever owns it', async () => {
      const { conversationId } = await startConversation(store, BOB);
      assert.equal((await store.findConversationForAdmin(conversationId))?.owner, BOB);
      await store.deleteConversation(BOB, conversationId, 2_000);
      assert.equal(await store.findConversationForAdmin(conversationId), undefined);
    });

    it('searches titles and finished messages, best first, scoped to the owner', async () => {
      const write = (owner: string, title: string, texts: string[]) =>
        writeConversation(store, owner, title, texts);
      const animals = await write(ALICE, 'Animals', ['The quick brown fox jumps', 'Foxes are quick indeed']);
      await write(ALICE, 'Cooking', ['How do I cook rice?', 'Rinse it, then simmer.']);
      await write(BOB, 'Quick notes', ['quick quick quick']);

      const hits = await store.search(ALICE, 'quick', 10);
      assert.deepEqual(new Set(hits.map((hit) => hit.conversationId)), new Set([animals.conversationId]));
      assert.equal(hits.length, 2);
      assert.ok(hits.every((hit) => hit.kind === 'message' && hit.snippet.includes('<mark>quick</mark>')));
      assert.ok((hits[0]?.rank ?? 0) <= (hits[1]?.rank ?? 0), 'best first');
      assert.deepEqual(
        (await store.search(ALICE, 'anim', 10)).map((hit) => [hit.kind, hit.snippet]),
        [['title', '<mark>Animals</mark>']],
      );
      assert.equal((await store.search(ALICE, 'brown jumps', 10)).length, 1, 'every word must match');
      assert.deepEqual(await store.search(ALICE, '   ', 10), []);
      assert.deepEqual(await store.search(ALICE, '"AND OR ( NEAR', 10), [], 'syntax is read as words');

      // An answer still streaming is not found; once it ends, it is.
      const streaming = await startConversation(store, ALICE);
      await store.updateMessage(streaming.answer, {
        content: 'platypus so far',
        status: 'in_progress',
        now: 2_000,
      });
      assert.deepEqual(await store.search(ALICE, 'platypus', 10), []);
      await store.updateMessage(streaming.answer, {
        content: 'platypus at last',
        status: 'completed',
        now: 3_000,
      });
      assert.equal((await store.search(ALICE, 'platypus', 10))[0]?.messageId, streaming.answer);

      // Deleted messages and conversations leave the results; a renamed title is found by its new name.
      await store.deleteMessage(ALICE, animals.conversationId, animals.ids[0] ?? '', 4_000);
      assert.equal((await store.search(ALICE, 'quick', 10)).length, 1);
      await store.setTitle(ALICE, animals.conversationId, 'Wildlife', 5_000);
      assert.deepEqual(await store.search(ALICE, 'animals', 10), []);
      assert.equal((await store.search(ALICE, 'wildlife', 10)).length, 1);
      await store.deleteConversation(ALICE, animals.conversationId, 6_000);
      assert.deepEqual(await store.search(ALICE, 'quick', 10), []);
    });

    it('matches a conversation whose words are spread over its title and messages, title hits and recent first', async () => {
      const trip = await writeConversation(
        store,
        ALICE,
        'Trip',
        ['Plan a day in Oslo', 'Start at the fjord.'],
        1_000,
      );
      const split = await writeConversation(
        store,
        ALICE,
        'Notes',
        ['oslo by train', 'then a trip north'],
        2_000,
      );
      const newer = await writeConversation(store, ALICE, 'Weekend', ['A trip to Oslo, maybe'], 3_000);
      await writeConversation(store, ALICE, 'Oslo only', ['nothing else here'], 4_000);
      await writeConversation(store, BOB, 'Trip', ['Plan a day in Oslo'], 5_000);

      const hits = await store.search(ALICE, 'oslo trip', 20);
      // "Oslo only" lacks "trip" and Bob's conversation is Bob's: neither is found.
      assert.deepEqual(
        [...new Set(hits.map((hit) => hit.conversationId))],
        [trip.conversationId, newer.conversationId, split.conversationId],
        'the title hit first, then the most recently updated',
      );
      assert.deepEqual(
        hits
          .filter((hit) => hit.conversationId === trip.conversationId)
          .map((hit) => [hit.kind, hit.snippet]),
        [
          ['title', '<mark>Trip</mark>'],
          ['message', 'Plan a day in <mark>Oslo</mark>'],
        ],
      );
      assert.deepEqual(
        new Set(
          hits.filter((hit) => hit.conversationId === split.conversationId).map((hit) => hit.messageId),
        ),
        new Set(split.ids),
        'each message holding one of the words is a hit',
      );
      const both = hits.find((hit) => hit.conversationId === newer.conversationId)?.snippet ?? '';
      assert.ok(both.includes('<mark>trip</mark>') && both.includes('<mark>Oslo</mark>'), both);
      // The last word is a prefix; words need not be in order; every word is still required.
      assert.equal((await store.search(ALICE, 'trip osl', 20))[0]?.conversationId, trip.conversationId);
      assert.deepEqual(await store.search(ALICE, 'oslo trip bergen', 20), []);
      assert.equal(
        (await store.search(ALICE, 'oslo - trip', 20))[0]?.conversationId,
        trip.conversationId,
        'a word with no letter or digit is left out',
      );
      assert.deepEqual(
        (await store.search(ALICE, 'oslo trip', 2)).map((hit) => hit.conversationId),
        [trip.conversationId, trip.conversationId],
        'the limit counts hits',
      );
    });

    it('imports whole conversations as given, parents in any order, or nothing on a conflict', async () => {
      const conversationId = randomUUID();
      const [root, answer, branch] = [randomUUID(), randomUUID(), randomUUID()];
      const message = (id: string, parentId: string | null, role: 'user' | 'assistant', at: number) => ({
        id,
        conversationId,
        parentId,
        role,
        content: `text of ${id}`,
        model: role === 'assistant' ? 'model-a' : null,
        provider: null,
        status: role === 'assistant' ? ('incomplete' as const) : ('completed' as const),
        finishReason: null,
        inputTokens: null,
        outputTokens: null,
        error: null,
        requestOptions: null,
        deletedAt: null,
        context: role === 'assistant' ? { window: 8192 } : null,
        upstreamConversationId: role === 'assistant' ? 'upstream-conversation' : null,
        upstreamMessageId: role === 'assistant' ? `upstream-${id}` : null,
        createdAt: at,
        updatedAt: at + 1,
      });
      const messages = [
        message(branch, answer, 'user', 3_000),
        message(answer, root, 'assistant', 2_000),
        message(root, null, 'user', 1_000),
      ];
      const conversation = {
        id: conversationId,
        owner: ALICE,
        title: 'Imported',
        model: 'model-a',
        currentNode: branch,
        systemPrompt: 'Be kind.',
        temperature: 0.7,
        maxOutputTokens: 256,
        metadata: { source: 'test' },
        createdAt: 1_000,
        updatedAt: 3_001,
      };
      assert.deepEqual(await store.importConversations([{ conversation, messages }]), { conflicts: [] });
      assert.deepEqual(await store.getConversation(ALICE, conversationId), conversation);
      // Imported without parts, a message reads back as its text, one part.
      assert.deepEqual(
        await store.listMessages(ALICE, conversationId),
        [...messages]
          .reverse()
          .map((message) => ({ ...message, parts: [{ type: 'text', text: message.content }] })),
      );

      const other = randomUUID();
      const again = await store.importConversations([
        { conversation: { ...conversation, id: other }, messages: [] },
        { conversation, messages },
      ]);
      assert.deepEqual(new Set(again.conflicts), new Set([conversationId, root, answer, branch]));
      assert.equal(await store.getConversation(ALICE, other), undefined, 'nothing was written');
    });

    it('writes a large import in slices, seen by no one until it is committed', async () => {
      const owner = `importer-${randomUUID()}`;
      const conversationId = randomUUID();
      const ids = Array.from({ length: 4 }, () => randomUUID());
      const messages = ids.map((id, index) =>
        importedMessage({
          id,
          conversationId,
          parentId: index === 0 ? null : (ids[index - 1] ?? null),
          role: index % 2 === 0 ? 'user' : 'assistant',
          content: `sliced words number ${index}`,
          context: null,
          createdAt: 1_000 + index,
        }),
      );
      const conversation = {
        id: conversationId,
        owner,
        title: 'Sliced import',
        model: null,
        currentNode: ids[3] ?? null,
        systemPrompt: null,
        metadata: {},
        temperature: null,
        maxOutputTokens: null,
        createdAt: 1_000,
        updatedAt: 1_003,
      };
      // One conversation over two slices: its messages' parents come in the earlier slice.
      const slices = [
        { conversations: [conversation], messages: messages.slice(0, 2) },
        { conversations: [], messages: messages.slice(2) },
      ];
      const seen = async () => (await store.listConversations(owner, 0, 10)).items.map((item) => item.id);

      const aborted = await store.beginImport(owner);
      for (const slice of slices) assert.deepEqual(await aborted.write(slice), { conflicts: [] });
      assert.deepEqual(await seen(), [], 'nothing is seen before the commit');
      assert.equal(await store.getConversation(owner, conversationId), undefined);
      await aborted.abort();
      assert.deepEqual(await seen(), []);
      assert.deepEqual(await store.search(owner, 'sliced', 10), [], 'nothing found after an abort');

      // The same ids again: an abort left none behind.
      const committed = await store.beginImport(owner);
      for (const slice of slices) assert.deepEqual(await committed.write(slice), { conflicts: [] });
      assert.deepEqual(await seen(), []);
      assert.deepEqual(await store.search(owner, 'sliced', 10), [], 'nor found before the commit');
      await committed.commit();
      assert.deepEqual(await seen(), [conversationId], 'all of it is seen once committed');
      assert.deepEqual(
        (await store.listMessages(owner, conversationId)).map((message) => message.id),
        ids,
      );
      assert.equal((await store.search(owner, 'sliced', 10)).length > 0, true, 'and found by search');

      const conflicting = await store.beginImport(owner);
      assert.deepEqual(
        await conflicting.write({ conversations: [], messages: messages.slice(1, 2) }),
        { conflicts: [ids[1]] },
        'a slice naming an id that exists writes nothing and names it',
      );
      await conflicting.abort();
      assert.equal((await store.listMessages(owner, conversationId)).length, 4);
    });

    it("writes an import's attachments with its rows: the importer's once committed, none after an abort", async () => {
      const owner = `importer-${randomUUID()}`;
      const bytes = (text: string) => new TextEncoder().encode(text);
      const hash = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
      const image = bytes(`image ${randomUUID()}`);
      const shared = bytes(`shared ${randomUUID()}`);
      const attachments = [
        { sha256: hash(image), data: image },
        { sha256: hash(shared), data: shared },
      ];
      // Bob stored the shared bytes himself: an aborted import must leave them to him.
      const bobs = randomUUID();
      await store.beginTurn({
        owner: BOB,
        conversationId: bobs,
        newConversation: { id: bobs, title: null, model: null },
        messages: [],
        attachments: [{ sha256: hash(shared), data: shared }],
        now: 900,
      });
      const slice = () => {
        const conversationId = randomUUID();
        const messageId = randomUUID();
        const message = importedMessage({
          id: messageId,
          conversationId,
          parentId: null,
          role: 'user',
          content: '',
          context: null,
          createdAt: 1_000,
        });
        const parts: PartRecord[] = attachments.map(({ sha256 }) => ({
          type: 'image',
          attachment: sha256,
          mediaType: 'image/png',
        }));
        return {
          conversations: [
            {
              id: conversationId,
              owner,
              title: null,
              model: null,
              currentNode: messageId,
              systemPrompt: null,
              metadata: {},
              temperature: null,
              maxOutputTokens: null,
              createdAt: 1_000,
              updatedAt: 1_000,
            },
          ],
          messages: [{ ...message, parts }],
          attachments,
        };
      };
      const readable = async (reader: string) =>
        [
          ...(
            await store.getAttachments(
              reader,
              attachments.map(({ sha256 }) => sha256),
            )
          ).keys(),
        ].sort();

      const aborted = await store.beginImport(owner);
      assert.deepEqual(await aborted.write(slice()), { conflicts: [] });
      assert.deepEqual(await readable(owner), [], "not the importer's before the commit");
      await aborted.abort();
      assert.deepEqual(await readable(owner), []);
      assert.deepEqual(await readable(BOB), [hash(shared)], 'bytes someone else owns stay');

      const committed = await store.beginImport(owner);
      const written = slice();
      assert.deepEqual(await committed.write(written), { conflicts: [] });
      await committed.commit();
      assert.deepEqual(await readable(owner), attachments.map(({ sha256 }) => sha256).sort());
      const read = await store.getAttachments(owner, [hash(image)]);
      assert.deepEqual(new Uint8Array(read.get(hash(image)) ?? []), image);
      const messageId = written.messages[0]?.id ?? '';
      assert.deepEqual((await store.getMessage(owner, messageId))?.parts, written.messages[0]?.parts);
    });

    it('updates only the fields a patch names', async () => {
      const { conversationId, question } = await startConversation(store);
      assert.equal(
        await store.updateConversation(ALICE, conversationId, { systemPrompt: 'Be terse.' }, 2_000),
        true,
      );
      let conversation = await store.getConversation(ALICE, conversationId);
      assert.deepEqual(
        [conversation?.systemPrompt, conversation?.title, conversation?.model, conversation?.updatedAt],
        ['Be terse.', null, 'model-a', 2_000],
      );
      await store.updateConversation(
        ALICE,
        conversationId,
        { title: 'T', model: null, currentNode: question },
        3_000,
      );
      conversation = await store.getConversation(ALICE, conversationId);
      assert.deepEqual(
        [conversation?.systemPrompt, conversation?.title, conversation?.model, conversation?.currentNode],
        ['Be terse.', 'T', null, question],
      );
      assert.equal(await store.updateConversation(BOB, conversationId, { title: 'x' }, 4_000), false);
    });

    it("keeps a conversation's sampling: set when it is created, patched alone, cleared", async () => {
      const conversationId = randomUUID();
      await store.beginTurn({
        owner: ALICE,
        conversationId,
        newConversation: {
          id: conversationId,
          title: null,
          model: null,
          temperature: 0.3,
          maxOutputTokens: 50,
        },
        messages: [],
        now: 1_000,
      });
      const sampling = async () => {
        const conversation = await store.getConversation(ALICE, conversationId);
        return [conversation?.temperature, conversation?.maxOutputTokens];
      };
      assert.deepEqual(await sampling(), [0.3, 50]);
      await store.updateConversation(ALICE, conversationId, { temperature: 1.25 }, 2_000);
      assert.deepEqual(await sampling(), [1.25, 50], 'a patch of one leaves the other');
      await store.updateConversation(ALICE, conversationId, { maxOutputTokens: null, title: 'T' }, 3_000);
      assert.deepEqual(await sampling(), [1.25, null]);
      await store.updateConversation(ALICE, conversationId, { temperature: null }, 4_000);
      assert.deepEqual(await sampling(), [null, null]);
      // A conversation made without them has none.
      const { conversationId: plain } = await startConversation(store);
      const made = await store.getConversation(ALICE, plain);
      assert.deepEqual([made?.temperature, made?.maxOutputTokens], [null, null]);
    });

    it('adds a summary beside the flow without moving current_node, and lists summaries', async () => {
      const { conversationId, question, answer } = await startConversation(store);
      const summary = {
        id: randomUUID(),
        parentId: question,
        role: 'system' as const,
        content: 'The user said hello.',
        status: 'completed' as const,
        context: { summary_of: question, summarized_messages: 1 },
      };
      assert.equal(await store.addDetachedMessage(BOB, conversationId, summary, 2_000), false);
      assert.equal(await store.addDetachedMessage(ALICE, conversationId, summary, 2_000), true);
      assert.equal((await store.getConversation(ALICE, conversationId))?.currentNode, answer);
      const plain = { ...summary, id: randomUUID(), context: { window: 1 } };
      await store.addDetachedMessage(ALICE, conversationId, plain, 2_000);
      const summaries = await store.listSummaries(ALICE, conversationId);
      assert.deepEqual(
        summaries.map((entry) => [entry.id, entry.parentId, entry.content]),
        [[summary.id, question, 'The user said hello.']],
      );
      assert.deepEqual(await store.listSummaries(BOB, conversationId), []);
    });

    it('lists an imported summary, and no longer one that was deleted', async () => {
      const conversationId = randomUUID();
      const [question, summaryId] = [randomUUID(), randomUUID()];
      const message = (id: string, parentId: string | null, role: 'user' | 'system') =>
        importedMessage({
          id,
          conversationId,
          parentId,
          role,
          content: role === 'user' ? 'Hello' : 'The user said hello.',
          context: role === 'system' ? { summary_of: question, summarized_messages: 1 } : null,
          createdAt: 1_000,
        });
      await store.importConversations([
        {
          conversation: {
            id: conversationId,
            owner: ALICE,
            title: null,
            model: null,
            currentNode: question,
            systemPrompt: null,
            temperature: null,
            maxOutputTokens: null,
            metadata: {},
            createdAt: 1_000,
            updatedAt: 1_000,
          },
          messages: [message(question, null, 'user'), message(summaryId, question, 'system')],
        },
      ]);
      const listed = await store.listSummaries(ALICE, conversationId);
      assert.deepEqual(
        listed.map((summary) => [summary.id, summary.context?.summary_of]),
        [[summaryId, question]],
      );
      assert.equal(await store.deleteMessage(ALICE, conversationId, summaryId, 2_000), true);
      assert.deepEqual(await store.listSummaries(ALICE, conversationId), []);
    });

    it('reaps the in-progress answers of generators that are gone, keeping their text', async () => {
      const conversationId = randomUUID();
      const [mine, theirs, legacy] = [randomUUID(), randomUUID(), randomUUID()];
      const answer = (id: string, generator?: string) => ({
        id,
        parentId: null,
        role: 'assistant' as const,
        content: '',
        status: 'in_progress' as const,
        ...(generator === undefined ? {} : { generator }),
      });
      await store.beginTurn({
        owner: ALICE,
        conversationId,
        newConversation: { id: conversationId, title: null, model: null },
        messages: [answer(mine, 'replica-a'), answer(theirs, 'replica-b'), answer(legacy)],
        now: 1_000,
      });
      await store.updateMessage(theirs, { content: 'half an ans', status: 'in_progress', now: 2_000 });
      const reaped = await store.reapOrphans(['replica-a'], 'the server writing it stopped', 3_000);
      assert.deepEqual(
        [...reaped].sort((left, right) => left.id.localeCompare(right.id)),
        [
          { id: theirs, content: 'half an ans' },
          { id: legacy, content: '' },
        ].sort((left, right) => left.id.localeCompare(right.id)),
      );
      const messages = await store.listMessages(ALICE, conversationId);
      const statusOf = (id: string) => messages.find((message) => message.id === id)?.status;
      assert.deepEqual(
        [statusOf(mine), statusOf(theirs), statusOf(legacy)],
        ['in_progress', 'incomplete', 'incomplete'],
      );
      assert.deepEqual(await store.reapOrphans(['replica-a'], 'again', 4_000), []);
    });
  });
}
