/**
 * Schemas shared by the `/v1` routes: OpenAI's metadata, and the path and query of
 * `/v1/responses/{id}`. The create request's schema is in `responses-request.ts`.
 */

import { Type } from 'typebox';

/** A value or null, as most of OpenAI's optional fields are. */
export const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** OpenAI's metadata: up to 16 pairs, keys up to 64 characters, values up to 512. */
export const MetadataSchema = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), {
  maxProperties: 16,
});

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
