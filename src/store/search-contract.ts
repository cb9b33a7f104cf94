/**
 * The bound on a search, for every Store: a search reads the owner's newest `SEARCH_MATCHES`
 * matching messages (and titles) of each word, whatever other owners hold. Results only, never
 * time: that the work does not grow with other owners' matches is measured in `npm run bench`.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SEARCH_MATCHES } from './search-words.ts';
import type { Store } from './store.ts';
import { importedMessage, type StoreFactory } from './store-contract.ts';

const ALICE = 'principal:alice';
const BOB = 'principal:bob';

/**
 * Imports one conversation per text, in order (so the last is the newest), each of one message;
 * the i-th updated at `firstAt + i`. Returns the conversations' ids.
 */
async function importConversations(
  store: Store,
  owner: string,
  texts: readonly string[],
  firstAt: number,
  title: (index: number) => string = (index) => `Note ${index}`,
): Promise<string[]> {
  const items = texts.map((content, index) => {
    const id = randomUUID();
    const at = firstAt + index;
    const message = importedMessage({
      id: randomUUID(),
      conversationId: id,
      parentId: null,
      role: 'user',
      content,
      context: null,
      createdAt: at,
    });
    const conversation = {
      id,
      owner,
      title: title(index),
      model: null,
      currentNode: message.id,
      systemPrompt: null,
      temperature: null,
      maxOutputTokens: null,
      metadata: {},
      createdAt: at,
      updatedAt: at,
    };
    return { conversation, messages: [message] };
  });
  assert.deepEqual(await store.importConversations(items), { conflicts: [] });
  return items.map((item) => item.conversation.id);
}

export function describeSearchContract(name: string, factory: StoreFactory): void {
  describe(`Search bound: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    it("finds an owner's one old match while other owners hold many newer ones", async () => {
      const [alone] = await importConversations(store, ALICE, ['a lone walrus'], 1_000);
      const crowd = Array.from({ length: SEARCH_MATCHES + 100 }, (_, index) => `walrus ${index}`);
      await importConversations(store, BOB, crowd, 2_000);
      for (const text of ['walrus', 'walr', 'lone walrus']) {
        const hits = await store.search(ALICE, text, 10);
        assert.deepEqual(
          hits.map((hit) => [hit.conversationId, hit.kind]),
          [[alone, 'message']],
          text,
        );
      }
      assert.equal((await store.search(BOB, 'walrus', 10)).length, 10);
    });

    it("reads the owner's newest matches of a word, title hits first, then the most recently updated", async () => {
      const [titled] = await importConversations(store, ALICE, ['nothing here'], 500, () => 'Walrus facts');
      const texts = Array.from({ length: SEARCH_MATCHES + 5 }, (_, index) =>
        index === 0 ? 'the first walrus, ancient' : `walrus number ${index}`,
      );
      const ids = await importConversations(store, ALICE, texts, 1_000);
      const newest = (count: number) => ids.slice(-count).reverse();

      const hits = await store.search(ALICE, 'walrus', SEARCH_MATCHES + 50);
      assert.deepEqual(hits[0] && [hits[0].conversationId, hits[0].kind], [titled, 'title']);
      assert.deepEqual(
        hits.slice(1).map((hit) => hit.conversationId),
        newest(SEARCH_MATCHES),
        'the newest matching messages, most recently updated first',
      );
      assert.ok(
        hits.slice(1).every((hit) => hit.kind === 'message' && hit.snippet.includes('<mark>walrus</mark>')),
      );
      assert.deepEqual(
        (await store.search(ALICE, 'ancient', 10)).map((hit) => hit.conversationId),
        [ids[0]],
        'a more specific word finds an older message',
      );

      // Deleted conversations and messages are not found, and leave room for older matches.
      const [last, second] = newest(2);
      await store.deleteConversation(ALICE, last ?? '', 10_000);
      const secondMessage = (await store.listMessages(ALICE, second ?? ''))[0]?.id ?? '';
      await store.deleteMessage(ALICE, second ?? '', secondMessage, 10_000);
      const after = await store.search(ALICE, 'walrus', SEARCH_MATCHES + 50);
      assert.deepEqual(
        after.slice(1).map((hit) => hit.conversationId),
        newest(SEARCH_MATCHES + 2).slice(2),
      );
    });
  });
}
