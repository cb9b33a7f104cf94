/**
 * Export (one conversation or all, as Parley JSON or Markdown) and import (Parley's export or
 * ChatGPT's `conversations.json`, all or nothing).
 */

import { Type } from 'typebox';
import type { ConversationService } from '../../conversations/conversation-service.ts';
import { toExport, toMarkdown } from '../../conversations/transfer.ts';
import type { NativeApp } from './native-app.ts';

const FormatQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('markdown')])) },
  { additionalProperties: false },
);
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** ChatGPT exports of years of chats are large: the import route takes up to this much. */
const IMPORT_BODY_LIMIT = 256 * 1024 * 1024;

export function registerTransferRoutes(app: NativeApp, conversations: ConversationService): void {
  app.get(
    '/conversations/:id/export',
    { schema: { params: Params, querystring: FormatQuery } },
    async (request, reply) => {
      const principal = request.principal;
      const history = await conversations.readAs(
        { owner: principal.owner, admin: principal.role === 'admin' },
        request.params.id,
      );
      if (request.query.format === 'markdown') {
        return reply.type('text/markdown; charset=utf-8').send(toMarkdown(history));
      }
      return toExport([history], Date.now());
    },
  );

  app.get('/export', { schema: { querystring: FormatQuery } }, async (request, reply) => {
    const histories = await conversations.allHistories(request.principal.owner);
    if (request.query.format === 'markdown') {
      return reply.type('text/markdown; charset=utf-8').send(histories.map(toMarkdown).join('\n---\n\n'));
    }
    return toExport(histories, Date.now());
  });

  app.post('/import', { bodyLimit: IMPORT_BODY_LIMIT }, async (request, reply) => {
    const imported = await conversations.importData(request.principal.owner, request.body);
    return reply.code(201).send({
      object: 'import',
      imported: imported.length,
      conversations: imported.map(({ conversation, messages }) => ({
        id: conversation.id,
        title: conversation.title,
        messages: messages.length,
        current_node: conversation.currentNode,
      })),
    });
  });
}
