/**
 * The chat's commands about conversations rather than answers: list them, open one (by id, by a
 * search, the latest), and show or change its model, system prompt and title, or export it.
 */

import { writeFile } from 'node:fs/promises';
import type { ApiConversation, ApiConversationWithMessages, ApiList, ApiSearchHit } from '../api-types.ts';
import { CliError } from '../cli-error.ts';
import { formatTable, formatTime } from '../output.ts';
import type { ChatSession } from './chat-session.ts';
import { ConversationTree } from './conversation-tree.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listConversations(session: ChatSession): Promise<void> {
  const list = await session.client.json<ApiList<ApiConversation>>('GET', '/api/conversations?limit=20');
  if (list.data.length === 0) return session.print('no conversations yet\n');
  session.print(
    `${formatTable(
      ['', 'id', 'updated', 'title'],
      list.data.map((conversation) => [
        conversation.id === session.conversationId ? '*' : '',
        conversation.id,
        formatTime(conversation.updated_at),
        conversation.title ?? '(untitled)',
      ]),
    )}\n`,
  );
}

/** Opens a conversation by id, or the best match of a search. */
export async function openConversation(session: ChatSession, query: string): Promise<void> {
  let id = query;
  if (!UUID.test(query)) {
    const hits = await session.client.json<ApiList<ApiSearchHit>>(
      'GET',
      `/api/search?q=${encodeURIComponent(query)}&limit=20`,
    );
    const first = hits.data[0];
    if (first === undefined) throw new CliError(`no conversation matches “${query}”`);
    id = first.conversation_id;
  }
  await resumeConversation(session, id);
}

/** Fails (a one-line `CliError`) when the server cannot be reached or refuses the key. */
export async function checkConnection(session: ChatSession): Promise<void> {
  await session.client.json('GET', '/api/conversations?limit=1');
}

/** Opens the conversation updated last, if there is one. */
export async function openLatestConversation(session: ChatSession): Promise<void> {
  const list = await session.client.json<ApiList<ApiConversation>>('GET', '/api/conversations?limit=1');
  const latest = list.data[0];
  if (latest === undefined) {
    session.print('no conversation to continue: starting a new one\n');
    return;
  }
  await resumeConversation(session, latest.id);
}

export async function resumeConversation(session: ChatSession, id: string): Promise<void> {
  const conversation = await session.client.json<ApiConversationWithMessages>(
    'GET',
    `/api/conversations/${encodeURIComponent(id)}`,
  );
  session.conversationId = conversation.id;
  session.print(`opened “${conversation.title ?? '(untitled)'}” (${conversation.id})\n`);
  session.showTail(new ConversationTree(conversation).currentPath(), 2);
}

export async function chooseModel(session: ChatSession, model: string | undefined): Promise<void> {
  if (model === undefined) {
    const list = await session.client.json<{ data: { id: string }[] }>('GET', '/v1/models');
    session.print(`model: ${session.settings.model ?? '(the server’s default)'}\n`);
    session.print(`available: ${list.data.map((entry) => entry.id).join(', ') || '(none)'}\n`);
    return;
  }
  session.settings.model = model;
  if (session.conversationId !== undefined) await session.patch({ model });
  session.print(`model: ${model}\n`);
}

export async function setSystemPrompt(session: ChatSession, text: string | undefined): Promise<void> {
  if (text === undefined) {
    session.print(`system prompt: ${session.settings.systemPrompt ?? '(none)'}\n`);
    return;
  }
  session.settings.systemPrompt = text;
  if (session.conversationId !== undefined) await session.patch({ system_prompt: text });
  session.print('system prompt set\n');
}

export async function showOrSetTitle(session: ChatSession, text: string | undefined): Promise<void> {
  const id = session.requireConversation();
  if (text === undefined) {
    const conversation = await session.client.json<ApiConversation>('GET', `/api/conversations/${id}`);
    session.print(`title: ${conversation.title ?? '(untitled)'}\n`);
    return;
  }
  await session.patch({ title: text });
  session.print(`title: ${text}\n`);
}

export async function exportConversation(session: ChatSession, file: string | undefined): Promise<void> {
  const id = session.requireConversation();
  const markdown = await session.client.text(
    `/api/conversations/${id}/export?format=markdown`,
    'text/markdown',
  );
  if (file === undefined) {
    session.print(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
    return;
  }
  await writeFile(file, markdown);
  session.print(`exported to ${file}\n`);
}
