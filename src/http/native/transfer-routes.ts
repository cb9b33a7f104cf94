/**
 * Export (one conversation or all, as Parley JSON or Markdown) and import (Parley's export or
 * ChatGPT's `conversations.json`, all or nothing).
 */

import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { ConversationCore } from '../../conversations/core.ts';
import { toMarkdown } from '../../conversations/transfer.ts';
import type { ConversationHistory } from '../../conversations/tree.ts';
import { ParleyError } from '../../errors.ts';
import { attachmentBodyLimit } from '../collect-attachment.ts';
import { readImportOffThread } from './import-off-thread.ts';
import type { NativeApp } from './native-app.ts';

const FormatQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('markdown')])) },
  { additionalProperties: false },
);
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });

/**
 * ChatGPT exports of years of chats are large: the route takes up to this much, or one of the
 * largest attachments allowed with a little more when that is more (split larger exports), one
 * import at a time per user and `MAX_IMPORTS` at once in the process, so imports cannot starve
 * everything else of memory. Each is parsed in a worker thread and written in
 * slices, so the event loop goes on serving other requests meanwhile.
 */
const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;
const MAX_IMPORTS = 2;

export function registerTransferRoutes(
  app: NativeApp,
  conversations: ConversationCore,
  limits: { readonly maxAttachmentBytes: number },
): void {
  const importExport = conversations.importExport;
  // Exports are streamed as they are read: one conversation and one attachment in memory at a time.
  const sendExport = (
    reply: FastifyReply,
    format: 'json' | 'markdown' | undefined,
    histories: AsyncIterable<ConversationHistory> | Iterable<ConversationHistory>,
  ) =>
    format === 'markdown'
      ? reply.type('text/markdown; charset=utf-8').send(Readable.from(markdownPieces(histories)))
      : reply.type('application/json; charset=utf-8').send(Readable.from(importExport.exportJson(histories)));

  app.get(
    '/conversations/:id/export',
    { schema: { params: Params, querystring: FormatQuery } },
    async (request, reply) => {
      const principal = request.principal;
      const history = await importExport.readAs(
        { owner: principal.owner, admin: principal.role === 'admin' },
        request.params.id,
      );
      return sendExport(reply, request.query.format, [history]);
    },
  );

  app.get('/export', { schema: { querystring: FormatQuery } }, async (request, reply) =>
    sendExport(reply, request.query.format, importExport.histories(request.principal.owner)),
  );

  const importing = new Set<string>();
  // The file is read as bytes here and parsed in a worker thread (`import-off-thread.ts`).
  app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    const bodyLimit = Math.max(IMPORT_BODY_LIMIT, attachmentBodyLimit({ bodyLimitBytes: 0, ...limits }));
    scope.post('/import', { bodyLimit }, async (request, reply) => {
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
        const read = await readImportOffThread({
          bytes: request.body as Buffer,
          owner,
          now: importExport.importTime(),
          maxAttachmentBytes: limits.maxAttachmentBytes,
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

/** The Markdown export: each conversation's current branch, separated by rules. */
async function* markdownPieces(
  histories: AsyncIterable<ConversationHistory> | Iterable<ConversationHistory>,
): AsyncGenerator<string> {
  let separator = '';
  for await (const history of histories) {
    yield `${separator}${toMarkdown(history)}`;
    separator = '\n---\n\n';
  }
}
