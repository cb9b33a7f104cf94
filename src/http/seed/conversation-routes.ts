/**
 * The seed's history routes: read one conversation in ChatGPT's `mapping` shape, list, rename and
 * delete. Unknown and foreign ids are both "not found".
 */

import { Readable } from 'node:stream';
import type { ConversationCore } from '../../conversations/core.ts';
import { ownerOf } from '../owner.ts';
import {
  chatGptConversationJsonPieces,
  NODES_PER_PIECE,
  toChatGptConversationJson,
  toUnixSeconds,
} from './chatgpt-mapping.ts';
import type { SeedApp } from './seed-app.ts';
import { ConversationParams, ListQuery, TitleBody } from './seed-schemas.ts';

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

export function registerConversationRoutes(app: SeedApp, conversations: ConversationCore): void {
  app.get('/conversation/:id', { schema: { params: ConversationParams } }, async (request, reply) => {
    const history = await conversations.tree.history(ownerOf(request), request.params.id);
    reply.type('application/json; charset=utf-8');
    // A long history goes out piece by piece (chunked) while the rest is written; a short one whole.
    return reply.send(
      history.messages.length <= NODES_PER_PIECE
        ? toChatGptConversationJson(history)
        : Readable.from(chatGptConversationJsonPieces(history), { objectMode: false }),
    );
  });

  app.get('/conversations', { schema: { querystring: ListQuery } }, async (request) => {
    const offset = Number(request.query.offset ?? 0);
    const limit = Math.min(Math.max(Number(request.query.limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
    const page = await conversations.tree.list(ownerOf(request), offset, limit);
    return {
      items: page.items.map((conversation) => ({
        id: conversation.id,
        title: conversation.title,
        create_time: toUnixSeconds(conversation.createdAt),
        update_time: toUnixSeconds(conversation.updatedAt),
      })),
      total: page.total,
      limit,
      offset,
    };
  });

  app.post(
    '/conversation/:id/title',
    { schema: { params: ConversationParams, body: TitleBody } },
    async (request) => {
      await conversations.tree.setTitle(ownerOf(request), request.params.id, request.body.title);
      return { code: 0, msg: 'title updated' };
    },
  );

  app.post('/conversation/:id/gen_title', { schema: { params: ConversationParams } }, async (request) => {
    const title = await conversations.titles.generate(ownerOf(request), request.params.id, {
      allowedModels: request.principal.models,
      keyId: request.principal.keyId,
    });
    return { code: 0, data: { title } };
  });

  app.post('/conversations/clear', async (request) => {
    const deleted = await conversations.tree.clear(ownerOf(request));
    return { code: 0, msg: `${deleted} conversations deleted` };
  });

  app.post('/conversation/:id/delete', { schema: { params: ConversationParams } }, async (request) => {
    await conversations.tree.delete(ownerOf(request), request.params.id);
    return { code: 0, msg: 'conversation deleted' };
  });
}
