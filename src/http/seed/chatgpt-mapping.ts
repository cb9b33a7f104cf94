/**
 * Renders a conversation in ChatGPT's web backend shape (`mapping` of nodes with parent and
 * children), which the seed's `GET /conversation/{id}` returned and revChatGPT clients read.
 */

import type { ConversationHistory } from '../../conversations/tree.ts';
import type { MessageRecord, MessageStatus } from '../../store/store.ts';

/** Unix seconds, as the backend sends them (with milliseconds as the fraction). */
export const toUnixSeconds = (milliseconds: number): number => milliseconds / 1000;

const CHATGPT_STATUS: Readonly<Record<MessageStatus, string>> = {
  completed: 'finished_successfully',
  in_progress: 'in_progress',
  incomplete: 'finished_partial_completion',
  failed: 'failed',
};

/** Nodes per piece of a streamed history (about 300 KB of JSON for chat-sized messages). */
export const NODES_PER_PIECE = 512;

/**
 * The conversation as JSON text, in pieces of `NODES_PER_PIECE` nodes: the route sends a long
 * history piece by piece, so the first nodes are on the wire while the rest are still being
 * written, and the whole text is never one string. Written node by node: `mapping` keyed by
 * thousands of message ids would be an object V8 keeps as a dictionary, which `JSON.stringify`
 * walks at half the speed.
 */
export function* chatGptConversationJsonPieces(history: ConversationHistory): Generator<string> {
  const { conversation } = history;
  const { messages, parentOf, liveAncestor } = withoutDeleted(history.messages);
  const children = new Map<string, string[]>();
  for (const message of messages) {
    const parentId = parentOf(message);
    if (parentId === null) continue;
    const siblings = children.get(parentId);
    if (siblings === undefined) children.set(parentId, [message.id]);
    else siblings.push(message.id);
  }
  const before = JSON.stringify({
    title: conversation.title,
    create_time: toUnixSeconds(conversation.createdAt),
    update_time: toUnixSeconds(conversation.updatedAt),
  });
  // Each piece is one join over its parts, so one flat string: joining per-node strings and
  // concatenating around them left a string V8 flattens again before sending (~10 ms more per
  // 10,000 nodes).
  let parts: string[] = [before.slice(0, -1), ',"mapping":{'];
  let written = 0;
  for (const message of messages) {
    if (written > 0) parts.push(',');
    parts.push(
      JSON.stringify(message.id),
      ':',
      JSON.stringify(toNode(message, parentOf(message), children.get(message.id) ?? [])),
    );
    written++;
    if (written % NODES_PER_PIECE === 0) {
      yield parts.join('');
      parts = [];
    }
  }
  const after = JSON.stringify({
    current_node: conversation.currentNode === null ? null : liveAncestor(conversation.currentNode),
    conversation_id: conversation.id,
    default_model_slug: conversation.model,
  });
  parts.push('},', after.slice(1));
  yield parts.join('');
}

/** The conversation as one JSON text. */
export function toChatGptConversationJson(history: ConversationHistory): string {
  return [...chatGptConversationJsonPieces(history)].join('');
}

/**
 * The live messages, each hung under its nearest live ancestor: a deleted message (a deleted
 * response, say) leaves the history, and its children move up to its parent.
 */
function withoutDeleted(all: readonly MessageRecord[]) {
  const deleted = new Map<string, string | null>();
  for (const message of all) if (message.deletedAt !== null) deleted.set(message.id, message.parentId);
  const liveAncestor = (id: string | null): string | null => {
    let current = id;
    while (current !== null && deleted.has(current)) current = deleted.get(current) ?? null;
    return current;
  };
  if (deleted.size === 0)
    return { messages: all, parentOf: (message: MessageRecord) => message.parentId, liveAncestor };
  return {
    messages: all.filter((message) => message.deletedAt === null),
    parentOf: (message: MessageRecord) => liveAncestor(message.parentId),
    liveAncestor,
  };
}

function toNode(message: MessageRecord, parent: string | null, children: string[]) {
  return {
    id: message.id,
    parent,
    children,
    message: {
      id: message.id,
      author: { role: message.role },
      create_time: toUnixSeconds(message.createdAt),
      update_time: toUnixSeconds(message.updatedAt),
      content: { content_type: 'text', parts: [message.content] },
      status: CHATGPT_STATUS[message.status],
      end_turn: message.role === 'assistant' ? message.status === 'completed' : null,
      metadata: metadataOf(message),
    },
  };
}

/** The node's metadata; fields added only when set (no spread copies: thousands are made per read). */
function metadataOf(message: MessageRecord): Record<string, unknown> {
  const metadata: Record<string, unknown> = { model_slug: message.model, parley_status: message.status };
  if (message.provider !== null) metadata.provider = message.provider;
  if (message.finishReason !== null) metadata.finish_details = { type: message.finishReason };
  if (message.inputTokens !== null || message.outputTokens !== null) {
    metadata.usage = { input_tokens: message.inputTokens, output_tokens: message.outputTokens };
  }
  if (message.error !== null) metadata.error = message.error;
  if (message.context !== null) metadata.parley_context = message.context;
  return metadata;
}
