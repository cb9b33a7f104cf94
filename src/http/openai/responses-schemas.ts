/** Request schemas of `/v1/responses`: the fields Parley supports; any other is a 400 naming it. */

import { Type } from 'typebox';
import { InputItem } from './input-items.ts';

/** OpenAI's metadata: up to 16 pairs, keys up to 64 characters, values up to 512. */
export const MetadataSchema = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), {
  maxProperties: 16,
});

export const CreateResponseBody = Type.Object(
  {
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    input: Type.Optional(Type.Union([Type.String(), Type.Array(InputItem, { maxItems: 1000 })])),
    instructions: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    previous_response_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    conversation: Type.Optional(
      Type.Union([
        Type.String(),
        Type.Object({ id: Type.String() }, { additionalProperties: false }),
        Type.Null(),
      ]),
    ),
    store: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    max_output_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
    top_p: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
    metadata: Type.Optional(Type.Union([MetadataSchema, Type.Null()])),
    user: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);

export type CreateResponseRequest = Type.Static<typeof CreateResponseBody>;

export const ResponseParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

/** `GET /v1/responses/{id}`: `stream=true` resumes the event stream after `starting_after`. */
export const RetrieveQuery = Type.Object(
  {
    stream: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    starting_after: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
    include: Type.Optional(Type.Unknown()),
    include_obfuscation: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
