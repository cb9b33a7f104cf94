/**
 * ChatGPT's data export (`conversations.json`) as conversations to import: every node with its
 * parent, role, text and time, the title and the current branch (images and other parts are left
 * out: the export holds them in files of its own). Ids are new; ChatGPT's stays in the metadata.
 */

import { randomUUID } from 'node:crypto';
import type { ImportedConversation, ImportedMessage, MessageRole, MessageStatus } from '../store/store.ts';
import { isRecord, Reader, ROLES } from './import-reader.ts';

const CHATGPT_STATUS: Readonly<Record<string, MessageStatus>> = {
  finished_successfully: 'completed',
  finished_partial_completion: 'incomplete',
  in_progress: 'incomplete',
};

/** Text of a ChatGPT message: its string parts (images and other parts are left out), or `text`. */
function chatGptText(content: unknown): string {
  if (!isRecord(content)) return '';
  if (Array.isArray(content.parts))
    return content.parts.filter((part) => typeof part === 'string').join('\n');
  return typeof content.text === 'string' ? content.text : '';
}

export function parseChatGptConversation(
  entry: unknown,
  where: string,
  owner: string,
  now: number,
): ImportedConversation {
  const read: Reader = new Reader(where);
  if (!isRecord(entry)) read.fail('', 'a conversation object');
  if (!isRecord(entry.mapping)) read.fail('mapping', 'an object of nodes');
  const createdAt = Math.round((read.nullableNumber(entry, 'create_time') ?? now / 1000) * 1000);
  const updatedAt = Math.round((read.nullableNumber(entry, 'update_time') ?? createdAt / 1000) * 1000);
  const nodes = entry.mapping as Record<string, unknown>;
  const conversationId = randomUUID();

  // First pass: which nodes carry a message we keep, and their new ids.
  const kept = new Map<string, { id: string; message: Record<string, unknown> }>();
  for (const [nodeId, node] of Object.entries(nodes)) {
    if (!isRecord(node)) read.fail(`mapping.${nodeId}`, 'a node object');
    const message = node.message;
    if (message === null || message === undefined) continue;
    if (!isRecord(message) || !isRecord(message.author))
      read.fail(`mapping.${nodeId}.message.author`, 'an object');
    const role = message.author.role;
    if (typeof role !== 'string' || !ROLES.includes(role as MessageRole)) {
      read.fail(`mapping.${nodeId}.message.author.role`, `one of ${ROLES.join(', ')}`);
    }
    // The hidden, empty system message at the root of every ChatGPT conversation carries nothing.
    if (role === 'system' && chatGptText(message.content).trim() === '') continue;
    kept.set(nodeId, { id: randomUUID(), message });
  }

  /** The nearest kept ancestor of a node (skipping nodes without a message). */
  const keptAncestor = (nodeId: string | null): string | null => {
    const seen = new Set<string>();
    let current = nodeId;
    while (current !== null && !seen.has(current)) {
      seen.add(current);
      const found = kept.get(current);
      if (found !== undefined) return found.id;
      const node = nodes[current];
      current = isRecord(node) && typeof node.parent === 'string' ? node.parent : null;
    }
    return null;
  };

  const messages: ImportedMessage[] = [];
  for (const [nodeId, { id, message }] of kept) {
    const node = nodes[nodeId] as Record<string, unknown>;
    const time = typeof message.create_time === 'number' ? Math.round(message.create_time * 1000) : createdAt;
    const metadata = isRecord(message.metadata) ? message.metadata : {};
    const role = (message.author as Record<string, unknown>).role as MessageRole;
    messages.push({
      id,
      conversationId,
      parentId: keptAncestor(typeof node.parent === 'string' ? node.parent : null),
      role,
      content: chatGptText(message.content),
      model: role === 'assistant' && typeof metadata.model_slug === 'string' ? metadata.model_slug : null,
      provider: null,
      status: CHATGPT_STATUS[String(message.status)] ?? 'completed',
      finishReason: null,
      inputTokens: null,
      outputTokens: null,
      error: null,
      requestOptions: null,
      deletedAt: null,
      context: null,
      // Ids in the export are the account's own; another account's token could not continue them.
      upstreamConversationId: null,
      upstreamMessageId: null,
      createdAt: time,
      updatedAt: typeof message.update_time === 'number' ? Math.round(message.update_time * 1000) : time,
    });
  }
  const currentNode = keptAncestor(typeof entry.current_node === 'string' ? entry.current_node : null);
  return {
    conversation: {
      id: conversationId,
      owner,
      title: read.nullableString(entry, 'title'),
      model: typeof entry.default_model_slug === 'string' ? entry.default_model_slug : null,
      currentNode: currentNode ?? messages.at(-1)?.id ?? null,
      systemPrompt: null,
      temperature: null,
      maxOutputTokens: null,
      metadata: {
        imported_from: 'chatgpt',
        ...(typeof entry.id === 'string' ? { chatgpt_id: entry.id } : {}),
      },
      createdAt,
      updatedAt,
    },
    messages,
  };
}
