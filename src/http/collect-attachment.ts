/**
 * Bytes of an image or file part sent in a request, for every surface that takes them: base64
 * and `data:` URLs decoded, the size limit (`PARLEY_MAX_ATTACHMENT_BYTES`, a 413) checked, and the
 * bytes named by their SHA-256 for the store.
 */

import { createHash } from 'node:crypto';
import { badRequest, ParleyError } from '../errors.ts';
import type { NewAttachment } from '../store/store.ts';

/** Bytes sent inline, with their media type. */
export interface InlineBytes {
  readonly mediaType: string;
  readonly data: Uint8Array;
}

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard base64 as bytes, or a 400 naming `param`. */
export function decodeBase64(text: string, param: string): Uint8Array {
  if (!BASE64.test(text) || text.length % 4 === 1) {
    throw badRequest(`Invalid base64 at '${param}'.`, param);
  }
  return Buffer.from(text, 'base64');
}

/**
 * `data:<media type>[;param=value];base64,<data>` as bytes, or undefined for a URL of another scheme.
 * @example parseDataUrl('data:image/png;base64,iVBO...', 'image_url') // { mediaType: 'image/png', data }
 */
export function parseDataUrl(url: string, param: string): InlineBytes | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  const header = url.slice('data:'.length, comma === -1 ? undefined : comma).split(';');
  const mediaType = header[0]?.toLowerCase() ?? '';
  if (comma === -1 || header.at(-1) !== 'base64' || !MEDIA_TYPE.test(mediaType)) {
    throw badRequest(`Invalid data URL at '${param}': expected data:<media type>;base64,<data>.`, param);
  }
  return { mediaType, data: decodeBase64(url.slice(comma + 1), param) };
}

/** The bytes a base64 text decodes to, counted without decoding it. */
export function base64ByteLength(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return Math.floor(((text.length - padding) * 3) / 4);
}

/** The 413 for an attachment over `maxBytes`. */
export function assertAttachmentFits(byteLength: number, maxBytes: number, param?: string): void {
  if (byteLength <= maxBytes) return;
  throw new ParleyError(
    'PAYLOAD_TOO_LARGE',
    `an attachment of ${byteLength} bytes${param === undefined ? '' : ` at '${param}'`} is over the limit of ${maxBytes} (PARLEY_MAX_ATTACHMENT_BYTES)`,
    param === undefined ? {} : { param },
  );
}

/**
 * The body limit of a route that takes attachments: one of the largest allowed, as base64 (4/3
 * of its bytes), and the rest of the request.
 */
export function attachmentBodyLimit(limits: {
  readonly bodyLimitBytes: number;
  readonly maxAttachmentBytes: number;
}): number {
  return Math.max(limits.bodyLimitBytes, Math.ceil((limits.maxAttachmentBytes * 4) / 3) + 65_536);
}

/**
 * Adds `data` to the request's `attachments` (once, however often it is sent) and returns its
 * SHA-256 hex, which the part stores in place of the bytes.
 */
export function collectAttachment(data: Uint8Array, attachments: NewAttachment[]): string {
  const sha256 = createHash('sha256').update(data).digest('hex');
  if (!attachments.some((attachment) => attachment.sha256 === sha256)) attachments.push({ sha256, data });
  return sha256;
}
