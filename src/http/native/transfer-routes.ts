/**
 * Export (one conversation or all, as Parley JSON or Markdown) and import (Parley's export or
 * ChatGPT's `conversations.json`, all or nothing).
 */

import { Type } from 'typebox';
import type { ConversationCore } from '../../conversations/core.ts';
import { ParleyError } from '../../errors.ts';
import { toExport, toMarkdown } from '../../conversations/transfer.ts';
import { readImportOffThread } from './import-off-thread.ts';
import type { NativeApp } from './native-app.ts';

const FormatQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('markdown')])) },
  { additionalProperties: false },
);
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });

/**
 * ChatGPT exports of years of chats are large: the route takes up to this much (split larger
 * exports), one import at a time per user and `MAX_IMPORTS` at once in the process, so imports
 * cannot starve everything else of memory. Each is parsed in a worker thread and written in
 * slices, so the event loop goes on serving other requests meanwhile.
 */
const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;
const MAX_IMPORTS = 2;

export function registerTransferRoutes(app: NativeApp, conversations: ConversationCore): void {
  app.get(
    '/conversations/:id/export',
    { schema: { params: Params, querystring: FormatQuery } },
    async (request, reply) => {
      const principal = request.principal;
      const history = await conversations.importExport.readAs(
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
    const histories = await conversations.importExport.allHistories(request.principal.owner);
    if (request.query.format === 'markdown') {
      return reply.type('text/markdown; charset=utf-8').send(histories.map(toMarkdown).join('\n---\n\n'));
    }
    return toExport(histories, Date.now());
  });

  const importing = new Set<string>();
  // The file is read as bytes here and parsed in a worker thread (`import-off-thread.ts`).
  app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    scope.post('/import', { bodyLimit: IMPORT_BODY_LIMIT }, async (request, reply) => {
      const owner = request.principal.owner;
      if (importing.has(owner))
        throw new ParleyError('RATE_LIMITED', 'an import of yours is running: send the next when it ends', {
          retryAfterSeconds: 5,
        });
      if (importing.size >= MAX_IMPORTS)
        throw new ParleyError('BUSY', `${MAX_IMPORTS} imports are running: try again shortly`, {
          retryAfterSeconds: 5,
        });
      importing.add(owner);
      try {
        const importExport = conversations.importExport;
        const read = await readImportOffThread({
          bytes: request.body as Buffer,
          owner,
          now: importExport.importTime(),
        });
        try {
          await importExport.importSlices(owner, read.slices);
        } finally {
          await read.close();
        }
        return reply.code(201).send({
          object: 'import',
          imported: read.summary.length,
          conversations: read.summary.map((conversation) => ({
            id: conversation.id,
            title: conversation.title,
            messages: conversation.messages,
            current_node: conversation.currentNode,
          })),
        });
      } finally {
        importing.delete(owner);
      }
    });
  });
}
