/**
 * Builds deep conversations straight in a SQLite file through Parley's own store (the same schema
 * and the same `beginTurn` the server uses), so a 10,000-message conversation takes a moment
 * instead of 5,000 HTTP calls. Also times the store's turn writes with `synchronous=NORMAL` and
 * `FULL`, which the server itself cannot be switched to yet.
 */

import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { NewMessage } from '../src/store/store.ts';
import { seededContent } from './wire.ts';

/** The owner of every conversation while no user exists (`LOCAL_OWNER` in `src/store/access-store.ts`). */
const LOCAL_OWNER = 'local';

export interface SeededConversation {
  readonly depth: number;
  readonly conversationId: string;
  /** The last message (an answer): `/ask` continues under it. */
  readonly leafId: string;
}

/** Writes one conversation per depth (alternating question and answer, all completed) into `path`. */
export async function seedConversations(
  path: string,
  depths: readonly number[],
): Promise<SeededConversation[]> {
  const store = openSqliteStore({ path });
  const seeded: SeededConversation[] = [];
  try {
    for (const depth of depths) {
      const conversationId = randomUUID();
      const messages: NewMessage[] = [];
      for (let index = 0; index < depth; index++) {
        const role = index % 2 === 0 ? 'user' : 'assistant';
        const content = seededContent(role, index);
        messages.push({
          id: randomUUID(),
          parentId: messages.at(-1)?.id ?? null,
          role,
          content,
          status: 'completed',
          ...(role === 'assistant' ? { model: 'bench-model', provider: 'openai-compatible' } : {}),
        });
      }
      const written = await store.beginTurn({
        owner: LOCAL_OWNER,
        newConversation: { id: conversationId, title: `depth ${depth}`, model: 'bench-model' },
        conversationId,
        messages,
        now: Date.now(),
      });
      const leaf = messages.at(-1);
      if (!written || leaf === undefined) throw new Error(`could not seed a conversation ${depth} deep`);
      seeded.push({ depth, conversationId, leafId: leaf.id });
    }
  } finally {
    await store.close();
  }
  return seeded;
}

/**
 * Times `count` turns as `/ask` writes them (question + in-progress answer in one transaction, then
 * the final answer) on a fresh file with the given `synchronous` mode; returns ms per turn.
 */
export async function timeTurnWrites(
  path: string,
  synchronous: 'NORMAL' | 'FULL',
  count: number,
): Promise<number[]> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const store = openSqliteStore({ path, synchronous });
  const samples: number[] = [];
  try {
    const conversationId = randomUUID();
    let parentId: string | null = null;
    await store.beginTurn({
      owner: LOCAL_OWNER,
      newConversation: { id: conversationId, title: 'writes', model: 'bench-model' },
      conversationId,
      messages: [],
      now: Date.now(),
    });
    for (let index = 0; index < count; index++) {
      const questionId = randomUUID();
      const answerId = randomUUID();
      const start = performance.now();
      await store.beginTurn({
        owner: LOCAL_OWNER,
        conversationId,
        messages: [
          {
            id: questionId,
            parentId,
            role: 'user',
            content: seededContent('user', index),
            status: 'completed',
          },
          {
            id: answerId,
            parentId: questionId,
            role: 'assistant',
            content: '',
            status: 'in_progress',
            model: 'bench-model',
            provider: 'openai-compatible',
          },
        ],
        now: Date.now(),
      });
      await store.updateMessage(answerId, {
        content: seededContent('assistant', index),
        status: 'completed',
        finishReason: 'stop',
        inputTokens: 12,
        outputTokens: 8,
        now: Date.now(),
      });
      samples.push(performance.now() - start);
      parentId = answerId;
    }
  } finally {
    await store.close();
  }
  return samples;
}
