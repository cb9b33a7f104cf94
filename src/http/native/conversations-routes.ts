/**
 * The native API's conversation reads: a cursor list and one conversation with its whole tree
 * (messages with their parent ids). A user key sees its own; an admin key reads any
 * conversation by id and lists any owner's with `?owner=`.
 */

import { Type } from 'typebox';
import type { ConversationCore } from '../../conversations/core.ts';
import { badRequest } from '../../errors.ts';
import type { ConversationRecord, MessageRecord } from '../../store/store.ts';
import { cursorList } from '../cursor-list.ts';
import { toWireParts } from './message-parts.ts';
import type { NativeApp } from './native-app.ts';

const ListQuery = Type.Object(
  {
    owner: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    after: Type.Optional(Type.String({ format: 'uuid' })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    /** `created` (the default) or `updated`: by last activity, as a chat sidebar lists them. */
    order_by: Type.Optional(Type.Union([Type.Literal('created'), Type.Literal('updated')])),
  },
  { additionalProperties: false },
);
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });

const seconds = (milliseconds: number) => Math.floor(milliseconds / 1000);

export function toConversation(conversation: ConversationRecord) {
  return {
    id: conversation.id,
    object: 'conversation' as const,
    owner: conversation.owner,
    title: conversation.title,
    model: conversation.model,
    current_node: conversation.currentNode,
    system_prompt: conversation.systemPrompt,
    temperature: conversation.temperature,
    max_output_tokens: conversation.maxOutputTokens,
    metadata: conversation.metadata,
    created_at: seconds(conversation.createdAt),
    updated_at: seconds(conversation.updatedAt),
  };
}

export function toMessage(message: MessageRecord, children: readonly string[] = []) {
  return {
    id: message.id,
    parent_id: message.parentId,
    /** The messages answering or following this one; siblings are the parent's children. */
    children,
    role: message.role,
    content: message.content,
    /** What the message is made of, in order (text, images, files, tool calls and results, reasoning). */
    parts: toWireParts(message.parts),
    status: message.status,
    model: message.model,
    provider: message.provider,
    finish_reason: message.finishReason,
    usage:
      message.inputTokens === null && message.outputTokens === null
        ? null
        : { input_tokens: message.inputTokens, output_tokens: message.outputTokens },
    error: message.error,
    /** On answers: the window, messages sent and dropped, tokens — what the model saw. */
    context: message.context,
    /** Where an upstream that keeps conversations (ChatGPT's web backend) holds this message. */
    upstream:
      message.upstreamConversationId === null || message.upstreamMessageId === null
        ? null
        : { conversation_id: message.upstreamConversationId, message_id: message.upstreamMessageId },
    deleted: message.deletedAt !== null,
    created_at: seconds(message.createdAt),
    updated_at: seconds(message.updatedAt),
  };
}

export function registerNativeConversationRoutes(app: NativeApp, conversations: ConversationCore): void {
  app.get('/conversations', { schema: { querystring: ListQuery } }, async (request) => {
    const principal = request.principal;
    const query = request.query;
    if (query.owner !== undefined && principal.role !== 'admin' && query.owner !== principal.owner) {
      throw badRequest('only an admin key may list another owner’s conversations', 'owner');
    }
    const limit = Number(query.limit ?? 20);
    if (limit < 1 || limit > 100) throw badRequest('limit must be between 1 and 100', 'limit');
    const page = await conversations.tree.listAfter(query.owner ?? principal.owner, {
      order: query.order ?? 'desc',
      by: query.order_by ?? 'created',
      limit,
      ...(query.after === undefined ? {} : { after: query.after }),
    });
    return cursorList(page.items.map(toConversation), page.hasMore);
  });

  app.get('/conversations/:id', { schema: { params: Params } }, async (request) => {
    const principal = request.principal;
    const history = await conversations.importExport.readAs(
      { owner: principal.owner, admin: principal.role === 'admin' },
      request.params.id,
    );
    const children = new Map<string, string[]>();
    for (const message of history.messages) {
      if (message.parentId === null) continue;
      const list = children.get(message.parentId);
      if (list === undefined) children.set(message.parentId, [message.id]);
      else list.push(message.id);
    }
    return {
      ...toConversation(history.conversation),
      messages: history.messages.map((message) => toMessage(message, children.get(message.id) ?? [])),
    };
  });
}
