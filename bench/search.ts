/**
 * Full-text search on a large store: conversations of ten messages written straight into a fresh
 * SQLite file with Parley's own store, then `Store.search` for one owner's words (one and two word
 * queries from the same vocabulary), timed one at a time. Issue 8 asks for 100,000 messages.
 * Then the soak's shape (issue 17): one owner whose every message holds the word searched for.
 */

import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { NewMessage } from '../src/store/store.ts';
import { type LatencySummary, summarize } from './stats.ts';

export interface SearchResult {
  readonly messages: number;
  readonly writeSeconds: number;
  readonly queries: LatencySummary;
  /** One owner, conversations of two messages that all hold the word searched for (absent in older results). */
  readonly everywhere?: { readonly conversations: number; readonly queries: LatencySummary };
}

export async function measureSearch(path: string, messages: number, queries: number): Promise<SearchResult> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const store = openSqliteStore({ path });
  // A skewed vocabulary, as real text is: some words everywhere, most rare.
  const vocabulary = Array.from({ length: 5_000 }, (_, index) => `w${index.toString(36)}x`);
  let seed = 1;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const sentence = (words: number) =>
    Array.from({ length: words }, () => vocabulary[Math.floor(random() ** 2 * vocabulary.length)]).join(' ');
  const started = performance.now();
  for (let conversation = 0; conversation < messages / 10; conversation += 1) {
    const id = randomUUID();
    const ids = Array.from({ length: 10 }, () => randomUUID());
    const turn: NewMessage[] = ids.map((messageId, index) => ({
      id: messageId,
      parentId: index === 0 ? null : (ids[index - 1] ?? null),
      role: index % 2 === 0 ? 'user' : 'assistant',
      content: sentence(40),
      status: 'completed',
    }));
    // One owner in ten is the one searching: its share is what the scoped query must find.
    const owner = conversation % 10 === 0 ? 'searcher' : `owner-${conversation % 50}`;
    await store.beginTurn({
      owner,
      conversationId: id,
      newConversation: { id, title: sentence(4), model: null },
      messages: turn,
      now: Date.now(),
    });
  }
  // The search index catches up with the writes on the first search: part of writing, not of a query.
  await store.search('searcher', vocabulary[0] ?? 'a', 1);
  const writeSeconds = (performance.now() - started) / 1000;
  const samples: number[] = [];
  for (let query = 0; query < queries; query += 1) {
    const text = sentence(1 + (query % 2));
    const start = performance.now();
    await store.search('searcher', text, 20);
    samples.push(performance.now() - start);
  }
  await store.close();
  const conversations = messages / 4;
  const everywhere = await measureWordEverywhere(path, conversations, queries);
  return {
    messages,
    writeSeconds,
    queries: summarize(samples),
    everywhere: { conversations, queries: everywhere },
  };
}

/**
 * The soak's search: one owner, `conversations` conversations of two messages that all say
 * "soak", and `Store.search` for that word (20 results), timed one at a time.
 */
async function measureWordEverywhere(
  path: string,
  conversations: number,
  queries: number,
): Promise<LatencySummary> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const store = openSqliteStore({ path });
  for (let conversation = 0; conversation < conversations; conversation += 1) {
    const id = randomUUID();
    const [question, answer] = [randomUUID(), randomUUID()];
    await store.beginTurn({
      owner: 'soaker',
      conversationId: id,
      newConversation: { id, title: `Soak ${conversation}`, model: null },
      messages: [
        {
          id: question,
          parentId: null,
          role: 'user',
          content: `soak question ${conversation}`,
          status: 'completed',
        },
        { id: answer, parentId: question, role: 'assistant', content: 'a soak answer', status: 'completed' },
      ],
      now: Date.now(),
    });
  }
  await store.search('soaker', 'soak', 1);
  const samples: number[] = [];
  for (let query = 0; query < queries; query += 1) {
    const start = performance.now();
    await store.search('soaker', 'soak', 20);
    samples.push(performance.now() - start);
  }
  await store.close();
  return summarize(samples);
}
