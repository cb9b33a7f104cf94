/**
 * `GET /api/usage`: usage summed by key, model and UTC day. A user key sees its own usage; an
 * admin sees everyone's (or one owner's with `?owner=`). `from` and `to` are Unix seconds.
 */

import { Type } from 'typebox';
import type { ConversationCore } from '../../conversations/core.ts';
import type { NativeApp } from './native-app.ts';

const UsageQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ pattern: '^[0-9]{1,12}$' })),
    to: Type.Optional(Type.String({ pattern: '^[0-9]{1,12}$' })),
    owner: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export function registerUsageRoutes(app: NativeApp, conversations: ConversationCore): void {
  app.get('/usage', { schema: { querystring: UsageQuery } }, async (request) => {
    const principal = request.principal;
    const query = request.query;
    const owner = principal.role === 'admin' ? query.owner : principal.owner;
    const rows = await conversations.usageSummary({
      ...(owner === undefined ? {} : { owner }),
      ...(query.from === undefined ? {} : { from: Number(query.from) * 1000 }),
      ...(query.to === undefined ? {} : { to: Number(query.to) * 1000 }),
    });
    return {
      object: 'list',
      data: rows.map((row) => ({
        owner: row.owner,
        key_id: row.keyId,
        model: row.model,
        day: row.day,
        requests: row.requests,
        input_tokens: row.inputTokens,
        output_tokens: row.outputTokens,
        cost: row.cost,
      })),
    };
  });
}
