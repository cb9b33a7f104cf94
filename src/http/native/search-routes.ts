/**
 * `GET /api/search?q=`: the caller's conversations and messages matching every word (the last as a
 * prefix), best first, each with a snippet where matches are wrapped in `<mark>…</mark>` — the
 * rest of the snippet is plain text, to be escaped before it is shown as HTML.
 */

import { Type } from 'typebox';
import type { ConversationCore } from '../../conversations/core.ts';
import type { NativeApp } from './native-app.ts';

const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 500 }),
    limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$' })),
  },
  { additionalProperties: false },
);

export function registerSearchRoutes(app: NativeApp, conversations: ConversationCore): void {
  app.get('/search', { schema: { querystring: SearchQuery } }, async (request) => {
    const hits = await conversations.tree.search(
      request.principal.owner,
      request.query.q,
      Number(request.query.limit ?? 20),
    );
    return {
      object: 'list',
      data: hits.map((hit) => ({
        kind: hit.kind,
        conversation_id: hit.conversationId,
        conversation_title: hit.conversationTitle,
        message_id: hit.messageId,
        role: hit.role,
        snippet: hit.snippet,
        rank: hit.rank,
        created_at: Math.floor(hit.createdAt / 1000),
      })),
    };
  });
}
