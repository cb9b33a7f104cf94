/**
 * `/v1/conversations` and their items. A conversation's items are the messages of its current
 * branch (root to `current_node`), with their parts (`conversation-items.ts`); new items are
 * appended after it. Beyond OpenAI,
 * `GET /v1/conversations` lists the caller's conversations with the same cursor pagination.
 */

import { Type } from 'typebox';
import type { ConversationCore } from '../../conversations/core.ts';
import { badRequest } from '../../errors.ts';
import type { ConversationRecord, NewAttachment } from '../../store/store.ts';
import { cursorList } from '../cursor-list.ts';
import { ownerOf } from '../owner.ts';
import { bytesOf, bytesSent, listItems, messageIdOfItem, toConversationItems } from './conversation-items.ts';
import { InputItem, ListQuery, parseLimit, toInputMessages } from './input-items.ts';
import type { OpenAIApp } from './openai-app.ts';
import { notFoundError } from './openai-errors.ts';
import { fromPublicId, toPublicId } from './openai-ids.ts';
import { MetadataSchema } from './responses-schemas.ts';

const MAX_ITEMS_PER_CALL = 20;

const CreateConversationBody = Type.Object(
  {
    items: Type.Optional(Type.Union([Type.Array(InputItem, { maxItems: MAX_ITEMS_PER_CALL }), Type.Null()])),
    metadata: Type.Optional(Type.Union([MetadataSchema, Type.Null()])),
  },
  { additionalProperties: false },
);
const UpdateConversationBody = Type.Object(
  { metadata: Type.Union([MetadataSchema, Type.Null()]) },
  { additionalProperties: false },
);
const CreateItemsBody = Type.Object(
  { items: Type.Array(InputItem, { minItems: 1, maxItems: MAX_ITEMS_PER_CALL }) },
  { additionalProperties: false },
);
const ConversationParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const ItemParams = Type.Object({
  id: Type.String({ maxLength: 100 }),
  itemId: Type.String({ maxLength: 100 }),
});
const ItemQuery = Type.Object({ include: Type.Optional(Type.Unknown()) }, { additionalProperties: false });

export function toConversationObject(conversation: ConversationRecord) {
  return {
    id: toPublicId('conv_', conversation.id),
    object: 'conversation' as const,
    created_at: Math.floor(conversation.createdAt / 1000),
    metadata: conversation.metadata,
  };
}

export function registerConversationsRoutes(app: OpenAIApp, conversations: ConversationCore): void {
  /** The owner's conversation behind a `conv_` id, or a 404. */
  const find = async (owner: string, publicId: string) => {
    const id = fromPublicId('conv_', publicId);
    const conversation = id === undefined ? undefined : await conversations.tree.getConversation(owner, id);
    if (conversation === undefined) throw notFoundError('conversation', publicId);
    return conversation;
  };

  app.post('/conversations', { schema: { body: CreateConversationBody } }, async (request) => {
    const attachments: NewAttachment[] = [];
    const items = toInputMessages(request.body.items ?? [], 'items', attachments);
    const created = await conversations.tree.createConversation(
      ownerOf(request),
      items,
      request.body.metadata ?? {},
      {},
      attachments,
    );
    return toConversationObject(created.conversation);
  });

  app.get('/conversations', { schema: { querystring: ListQuery } }, async (request) => {
    const query = request.query;
    const after = query.after === undefined ? undefined : fromPublicId('conv_', query.after);
    if (query.after !== undefined && after === undefined)
      throw badRequest("'after' is not a conversation id.", 'after');
    const page = await conversations.tree.listAfter(ownerOf(request), {
      order: query.order ?? 'desc',
      limit: parseLimit(query.limit),
      ...(after === undefined ? {} : { after }),
    });
    return cursorList(page.items.map(toConversationObject), page.hasMore);
  });

  app.get('/conversations/:id', { schema: { params: ConversationParams } }, async (request) =>
    toConversationObject(await find(ownerOf(request), request.params.id)),
  );

  app.post(
    '/conversations/:id',
    { schema: { params: ConversationParams, body: UpdateConversationBody } },
    async (request) => {
      const owner = ownerOf(request);
      const conversation = await find(owner, request.params.id);
      await conversations.tree.setMetadata(owner, conversation.id, request.body.metadata ?? {});
      return toConversationObject(await find(owner, request.params.id));
    },
  );

  app.delete('/conversations/:id', { schema: { params: ConversationParams } }, async (request) => {
    const owner = ownerOf(request);
    const conversation = await find(owner, request.params.id);
    await conversations.tree.delete(owner, conversation.id);
    return { id: request.params.id, object: 'conversation.deleted', deleted: true };
  });

  app.post(
    '/conversations/:id/items',
    { schema: { params: ConversationParams, body: CreateItemsBody, querystring: ItemQuery } },
    async (request) => {
      const owner = ownerOf(request);
      const conversation = await find(owner, request.params.id);
      const attachments: NewAttachment[] = [];
      const written = await conversations.tree.appendMessages(
        owner,
        conversation.id,
        toInputMessages(request.body.items, 'items', attachments),
        attachments,
      );
      const bytes = bytesSent(attachments);
      const data = written.flatMap((message) => toConversationItems(message, bytes));
      return {
        object: 'list',
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: false,
      };
    },
  );

  app.get(
    '/conversations/:id/items',
    { schema: { params: ConversationParams, querystring: ListQuery } },
    async (request) => {
      const owner = ownerOf(request);
      const conversation = await find(owner, request.params.id);
      const branch = await conversations.tree.currentBranch(owner, conversation.id);
      return listItems(conversations.tree, owner, branch, request.query);
    },
  );

  app.get(
    '/conversations/:id/items/:itemId',
    { schema: { params: ItemParams, querystring: ItemQuery } },
    async (request) => {
      const owner = ownerOf(request);
      const conversation = await find(owner, request.params.id);
      const messageId = messageIdOfItem(request.params.itemId);
      const message =
        messageId === undefined ? undefined : await conversations.tree.getMessage(owner, messageId);
      const item =
        message === undefined || message.conversationId !== conversation.id
          ? undefined
          : toConversationItems(message, await bytesOf(conversations.tree, owner, message)).find(
              (each) => each.id === request.params.itemId,
            );
      if (item === undefined) throw notFoundError('item', request.params.itemId);
      return item;
    },
  );

  app.delete('/conversations/:id/items/:itemId', { schema: { params: ItemParams } }, async (request) => {
    const owner = ownerOf(request);
    const conversation = await find(owner, request.params.id);
    const { itemId } = request.params;
    const messageId = messageIdOfItem(itemId);
    if (messageId === undefined) throw notFoundError('item', itemId);
    if (!itemId.startsWith('msg_')) {
      // A function call is deleted with its message, so only when the message holds it alone.
      const message = await conversations.tree.getMessage(owner, messageId);
      const items = message?.conversationId === conversation.id ? toConversationItems(message) : [];
      if (!items.some((item) => item.id === itemId)) throw notFoundError('item', itemId);
      if (items.length > 1) {
        throw badRequest(
          `The item '${itemId}' is stored in one message with the items ${items.map((item) => `'${item.id}'`).join(', ')}: delete '${toPublicId('msg_', messageId)}' to delete them together.`,
          'item_id',
        );
      }
    }
    await conversations.tree.deleteMessage(owner, conversation.id, messageId).catch(() => {
      throw notFoundError('item', itemId);
    });
    return toConversationObject(await find(owner, request.params.id));
  });
}
