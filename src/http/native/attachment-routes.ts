/**
 * `GET /api/attachments/{sha256}`: the bytes of an image or file the caller sent in a message
 * (content-addressed, so cached for good). Only raster images are served inline with their type;
 * anything else downloads as bytes, so stored content never runs as a page or script here.
 */

import { Type } from 'typebox';
import type { ConversationCore } from '../../conversations/core.ts';
import { notFound } from '../../errors.ts';
import type { NativeApp } from './native-app.ts';

const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);

const Params = Type.Object({ sha256: Type.String({ maxLength: 100 }) });
const SHA256 = /^[0-9a-f]{64}$/;
const Query = Type.Object(
  { media_type: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);

export function registerAttachmentRoutes(app: NativeApp, conversations: ConversationCore): void {
  app.get(
    '/attachments/:sha256',
    { schema: { params: Params, querystring: Query } },
    async (request, reply) => {
      // Anything that is not a stored hash of the caller's reads as not found, like another's.
      const data = SHA256.test(request.params.sha256)
        ? await conversations.tree.getAttachment(request.principal.owner, request.params.sha256)
        : undefined;
      if (data === undefined) throw notFound(`attachment ${request.params.sha256} not found`);
      const mediaType = request.query.media_type?.toLowerCase();
      const inline = mediaType !== undefined && INLINE_TYPES.has(mediaType);
      return reply
        .header('content-type', inline ? mediaType : 'application/octet-stream')
        .header('content-disposition', inline ? 'inline' : 'attachment')
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=31536000, immutable')
        .send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    },
  );
}
