/**
 * A native message's content: a string, or a list of parts — text, images (a URL, passed on and
 * never fetched by Parley, or bytes as base64 or a `data:` URL), files and audio (bytes). Bytes are
 * decoded here, checked against the size limit (413), and named by their SHA-256 for the store.
 * Messages go out with their parts in the same shape; bytes are read back through
 * `GET /api/attachments/{sha256}`.
 */

import { type Static, Type } from 'typebox';
import { toExportPart } from '../../conversations/export-parts.ts';
import { textOfParts } from '../../conversations/message-parts.ts';
import { badRequest } from '../../errors.ts';
import type { NewAttachment, PartRecord } from '../../store/store.ts';
import {
  assertAttachmentFits,
  collectAttachment,
  decodeBase64,
  parseDataUrl,
} from '../collect-attachment.ts';

const Detail = Type.Union([Type.Literal('auto'), Type.Literal('low'), Type.Literal('high')]);
const MediaType = Type.String({ pattern: '^[a-z]+/[a-z0-9.+-]+$', maxLength: 100 });

export const InputPart = Type.Union([
  Type.Object(
    { type: Type.Literal('text'), text: Type.String({ maxLength: 100_000 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('image'),
      /** An https URL (passed on as is), or a `data:` URL with the bytes. */
      url: Type.Optional(Type.String({ minLength: 1 })),
      /** The bytes as base64 (with `media_type`), instead of `url`. */
      data: Type.Optional(Type.String({ minLength: 1 })),
      media_type: Type.Optional(MediaType),
      detail: Type.Optional(Detail),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('file'),
      data: Type.String({ minLength: 1 }),
      media_type: MediaType,
      filename: Type.String({ minLength: 1, maxLength: 255 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('audio'),
      /** The bytes as base64. */
      data: Type.String({ minLength: 1 }),
      /** wav or mp3, the formats OpenAI-compatible models take. */
      media_type: Type.Union([Type.Literal('audio/wav'), Type.Literal('audio/mpeg')]),
    },
    { additionalProperties: false },
  ),
]);

/** A message's content as the native API takes it. */
export const MessageContent = Type.Union([
  Type.String({ minLength: 1, maxLength: 100_000 }),
  Type.Array(InputPart, { minItems: 1, maxItems: 64 }),
]);

export interface DecodedContent {
  /** The plain text. */
  readonly content: string;
  /** Absent when the content is plain text. */
  readonly parts?: readonly PartRecord[];
  readonly attachments: readonly NewAttachment[];
}

/** Decodes a message's content; bytes over `maxBytes` are a 413, bad ones a 400. */
export function decodeContent(content: Static<typeof MessageContent>, maxBytes: number): DecodedContent {
  if (typeof content === 'string') return { content, attachments: [] };
  const attachments: NewAttachment[] = [];
  const attach = (data: Uint8Array): string => {
    assertAttachmentFits(data.byteLength, maxBytes);
    return collectAttachment(data, attachments);
  };
  const parts = content.map((part, index): PartRecord => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    const detail = part.type === 'image' && part.detail !== undefined ? { detail: part.detail } : {};
    if (part.type === 'file') {
      const data = decodeBase64(part.data, `content[${index}].data`);
      return { type: 'file', attachment: attach(data), mediaType: part.media_type, filename: part.filename };
    }
    if (part.type === 'audio') {
      const data = decodeBase64(part.data, `content[${index}].data`);
      return { type: 'audio', attachment: attach(data), mediaType: part.media_type };
    }
    if ((part.url === undefined) === (part.data === undefined)) {
      throw badRequest(`content[${index}]: an image has either a url or data`);
    }
    const inline =
      part.url === undefined
        ? { mediaType: part.media_type, data: decodeBase64(part.data ?? '', `content[${index}].data`) }
        : parseDataUrl(part.url, `content[${index}].url`);
    if (inline === undefined) {
      if (part.url === undefined || !/^https?:\/\//i.test(part.url))
        throw badRequest(`content[${index}].url must be an http(s) or data: URL`);
      return { type: 'image', url: part.url, ...detail };
    }
    const { mediaType, data } = inline;
    if (mediaType === undefined || !mediaType.startsWith('image/')) {
      throw badRequest(`content[${index}]: an image needs an image/* media_type`);
    }
    return { type: 'image', attachment: attach(data), mediaType, ...detail };
  });
  return { content: textOfParts(parts), parts, attachments };
}

/**
 * A message's parts as the native API shows them: the export's shapes (`export-parts.ts`), bytes
 * also by their attachment URL, and a reasoning part without its opaque payload.
 */
export function toWireParts(parts: readonly PartRecord[]): unknown[] {
  return parts.map((part) => {
    const wire = toExportPart(part);
    if ('sha256' in wire) return { ...wire, url: attachmentUrl(wire.sha256, wire.media_type) };
    if (wire.type === 'reasoning') return { type: 'reasoning', text: wire.text };
    return wire;
  });
}

function attachmentUrl(sha256: string, mediaType: string): string {
  return `/api/attachments/${sha256}?media_type=${encodeURIComponent(mediaType)}`;
}
