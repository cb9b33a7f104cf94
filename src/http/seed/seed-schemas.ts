/** Request schemas of the seed's routes (`chatgpt-webapi`'s API), validated once at the edge. */

import { Type } from 'typebox';

const Uuid = Type.String({ format: 'uuid' });

export const AskBody = Type.Object({
  msg: Type.Optional(Type.String({ minLength: 1 })),
  parent_id: Type.Optional(Uuid),
  conversation_id: Type.Optional(Uuid),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  stream: Type.Optional(Type.Boolean()),
  /**
   * revChatGPT's actions: `next` (default) asks `msg`; `variant` answers parent_id's question
   * again; `continue` extends the answer parent_id (cut short) in place.
   */
  action: Type.Optional(
    Type.Union([Type.Literal('next'), Type.Literal('variant'), Type.Literal('continue')]),
  ),
});

export const ConversationParams = Type.Object({ id: Uuid });

export const ListQuery = Type.Object({
  offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
});

export const TitleBody = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 300 }),
});
