/**
 * Renders a conversation in ChatGPT's web backend shape (`mapping` of nodes with parent and
 * children), which the seed's `GET /conversation/{id}` returned and revChatGPT clients read.
 */

import type { ConversationHistory } from '../../conversations/conversation-service.ts';
import type { MessageRecord, MessageStatus } from '../../store/store.ts';

/** Unix seconds, as the backend sends them (with milliseconds as the fraction). */
export const toUnixSeconds = (milliseconds: number): number => milliseconds / 1000;

const CHATGPT_STATUS: Readonly<Record<MessageStatus, string>> = {
  completed: 'finished_successfully',
  in_progress: 'in_progress',
  incomplete: 'finished_partial_completion',
  failed: 'failed',
};

export function toChatGptConversation(history: ConversationHistory) {
  const { conversation, messages } = history;
  const children = new Map<string, string[]>();
  for (const message of messages) {
    if (message.parentId === null) continue;
    const siblings = children.get(message.parentId);
    if (siblings === undefined) children.set(message.parentId, [message.id]);
    else siblings.push(message.id);
  }
  const mapping: Record<string, ReturnType<typeof toNode>> = {};
  for (const message of messages) mapping[message.id] = toNode(message, children.get(message.id) ?? []);
  return {
    title: conversation.title,
    create_time: toUnixSeconds(conversation.createdAt),
    update_time: toUnixSeconds(conversation.updatedAt),
    mapping,
    current_node: conversation.currentNode,
    conversation_id: conversation.id,
    default_model_slug: conversation.model,
  };
}

function toNode(message: MessageRecord, children: string[]) {
  return {
    id: message.id,
    parent: message.parentId,
    children,
    message: {
      id: message.id,
      author: { role: message.role },
      create_time: toUnixSeconds(message.createdAt),
      update_time: toUnixSeconds(message.updatedAt),
      content: { content_type: 'text', parts: [message.content] },
      status: CHATGPT_STATUS[message.status],
      end_turn: message.role === 'assistant' ? message.status === 'completed' : null,
      metadata: {
        model_slug: message.model,
        parley_status: message.status,
        ...(message.provider === null ? {} : { provider: message.provider }),
        ...(message.finishReason === null ? {} : { finish_details: { type: message.finishReason } }),
        ...(message.inputTokens === null && message.outputTokens === null
          ? {}
          : { usage: { input_tokens: message.inputTokens, output_tokens: message.outputTokens } }),
        ...(message.error === null ? {} : { error: message.error }),
        ...(message.context === null ? {} : { parley_context: JSON.parse(message.context) as unknown }),
      },
    },
  };
}
